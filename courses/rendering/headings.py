"""Heading ids, permalinks and the toc, as Docusaurus makes them."""

import html
import re
import xml.etree.ElementTree as etree

from markdown.extensions.toc import remove_fnrefs, run_postprocessors, strip_tags, unescape
from markdown.treeprocessors import Treeprocessor
from pymdownx.slugs import slugify

HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
EXPLICIT_ID = re.compile(r"\s*\{#(?P<id>[\w.:-]+)\}\s*$")
_slug = slugify(case="lower")


class Headings(Treeprocessor):
    """Heading ids as Docusaurus makes them (`{#custom-id}`, else a lowercase-hyphen slug,
    repeats numbered `-1`, `-2`), a permalink in each heading, and the flat toc."""

    def run(self, root):
        taken = {element.get("id") for element in root.iter() if element.get("id")}
        counts = {}
        toc = self.md.coursebook.toc
        for element in root.iter():
            if element.tag not in HEADING_TAGS:
                continue
            explicit = self.explicit_id(element)
            title = _text(remove_fnrefs(element), self.md)
            anchor = explicit or self.unique(_slug(title, "-") or "heading", taken, counts)
            element.set("id", anchor)
            _add_permalink(element, anchor, title)
            toc.append({"id": anchor, "title": title, "level": int(element.tag[1])})

    @staticmethod
    def explicit_id(element):
        """Takes a trailing `{#id}` off the heading's text and returns the id."""
        last = element[-1] if len(element) else None
        text = last.tail if last is not None else element.text
        match = EXPLICIT_ID.search(text or "")
        if match is None:
            return None
        if last is not None:
            last.tail = text[: match.start()]
        else:
            element.text = text[: match.start()]
        return match.group("id")

    @staticmethod
    def unique(slug, taken, counts):
        """github-slugger's rule, which Docusaurus follows: `intro`, `intro-1`, `intro-2`."""
        candidate = slug
        while candidate in taken:
            counts[slug] = counts.get(slug, 0) + 1
            candidate = f"{slug}-{counts[slug]}"
        taken.add(candidate)
        return candidate


def _text(heading, md):
    """The heading's text: Python-Markdown's render_inner_html turns escaped characters back
    before it strips tags, so `List\\<T\\>` would lose its `<T>`; here they come back after."""
    inner = md.serializer(heading)
    inner = inner[inner.index(">") + 1 : inner.rindex("<")].strip()
    return html.unescape(unescape(strip_tags(run_postprocessors(inner, md))))


def _add_permalink(heading, anchor, title):
    """The "#" after a heading, named for screen readers as Docusaurus names it."""
    name = f"Direct link to {title}"
    permalink = etree.SubElement(heading, "a", {"class": "headerlink", "href": f"#{anchor}"})
    permalink.set("aria-label", name)
    permalink.set("title", name)
    permalink.text = "#"
