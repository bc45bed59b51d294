"""Compare an imported course with what Docusaurus itself made of the same folder.

The JSON beside each fixture site (`tests/fixtures/sites/*/docusaurus-truth.json`,
`tests/fixtures/links-site/docusaurus.json`) is written by `../shared/docusaurus-truth/truth.sh`
(real Docusaurus 3.10, run by hand, see its README), so the tests need no Node.js. Our URL
for a Docusaurus permalink `/x/y` is `/courses/<slug>/x/y/`; for `/`, the course's own URL.
"""

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

from courses.models import Lesson
from courses.outline import build_outline


def load_truth(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def our_url(course, permalink):
    path, _, anchor = permalink.partition("#")
    path = quote(path.strip("/"))
    url = f"/courses/{course.slug}/" + path + ("/" if path else "")
    return f"{url}#{anchor}" if anchor else url


class _Anchors(HTMLParser):
    """Every link of a body but heading permalinks, and every broken link (shown as a
    <span class="broken-link">): its attributes and its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors = []
        self.open = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        link = tag == "a" and attributes.get("class") != "headerlink"
        if link or (tag == "span" and attributes.get("class") == "broken-link"):
            self.open = [attributes, ""]
            self.anchors.append(self.open)

    def handle_data(self, data):
        if self.open is not None:
            self.open[1] += data

    def handle_endtag(self, tag):
        if tag in ("a", "span"):
            self.open = None


def anchors(html):
    parser = _Anchors()
    parser.feed(html)
    return [(attributes, " ".join(text.split())) for attributes, text in parser.anchors]


def broken_in_docusaurus(truth):
    """(source file, target) of every Markdown link Docusaurus could not resolve (not the
    throwaway site's own navbar link)."""
    broken = {(b["source_file"], b["url"]) for b in truth["broken"]["markdown_links"]}
    sources = {doc["permalink"]: doc["source"] for doc in truth["docs"]}
    for link in truth["broken"]["rendered_links"]:
        target = link["target"].split(" (resolved as: ")[0]
        if link["page"] in sources:
            broken.add((sources[link["page"]], target))
    written = {
        (page["source"], link["target"]) for page in truth["links"] for link in page["links"]
    }
    return broken & written


def link_problems(course, truth):
    """Every link Docusaurus saw, checked in our page: where it leads, or that it is broken
    in both. Lines naming what differs."""
    problems = []
    broken = broken_in_docusaurus(truth)
    lessons = Lesson.objects.filter(course=course).select_related("body")
    for page in truth["links"]:
        ours = anchors(lessons.get(source_path=page["source"]).body.html)
        for link in page["links"]:
            where = f"{page['source']}:{link['line']} {link['target']}"
            found = next((a for a in ours if a[1] == link["text"]), None)
            if found is None:
                problems.append(f"{where}: no link with the text {link['text']!r}")
                continue
            ours.remove(found)
            href = found[0].get("href")
            if (page["source"], link["target"]) in broken:
                if href is not None:
                    problems.append(f"{where}: broken in Docusaurus, ours leads to {href}")
            else:
                expected = our_url(course, link["resolved_permalink"] or link["html_href"])
                if href != expected:
                    problems.append(f"{where}: ours leads to {href}, Docusaurus' to {expected}")
    return problems


def outline_sections(entries, depth=1):
    """(title, depth, page URL) of every section of the outline, depth first."""
    found = []
    for entry in entries:
        if entry.is_section:
            found.append((entry.title, depth, entry.index_url or None))
            found += outline_sections(entry.entries, depth + 1)
    return found


def outline_links(entries):
    found = []
    for entry in entries:
        if entry.is_link:
            found.append((entry.label, entry.url))
        elif entry.is_section:
            found += outline_links(entry.entries)
    return found


def compare_with_docusaurus(course, truth):
    """The differences between the course and Docusaurus' reading of it, as readable lines
    (empty when they agree): pages in reading order with their labels and URLs, sections
    with their labels, depths and pages, drafts, pages in no sidebar, external links, and
    where every link leads."""
    outline = build_outline(course)
    generated = set(
        Lesson.objects.filter(course=course, meta__generated_index=True).values_list(
            "id", flat=True
        )
    )
    sections_by_page = {}
    for section in outline.sections_by_id.values():
        if section.index_url:
            sections_by_page[section.index_url] = section.title
    ours = [
        (item.url, sections_by_page.get(item.url, item.label))
        for item in outline.lessons
        if item.id not in generated
    ]
    theirs = [
        (our_url(course, doc["permalink"]), doc["sidebar_label"])
        for doc in truth["docs"]
        if doc["in_sidebar"]
    ]
    problems = []
    if ours != theirs:
        problems.append(f"reading order and labels:\n  ours   {ours}\n  theirs {theirs}")

    their_sections = [
        (c["label"], c["depth"], our_url(course, c["href"]) if c["href"] else None)
        for c in truth["categories"]
    ]
    our_sections = outline_sections(outline.entries)
    if our_sections != their_sections:
        problems.append(f"sections:\n  ours   {our_sections}\n  theirs {their_sections}")

    lessons = Lesson.objects.filter(course=course, archived=False)
    not_listed = {
        our_url(course, doc["permalink"]) for doc in truth["docs"] if not doc["in_sidebar"]
    }
    our_not_listed = {
        lesson.get_absolute_url() for lesson in lessons.filter(unlisted=True, draft=False)
    }
    if our_not_listed != not_listed:
        problems.append(f"pages in no sidebar: ours {our_not_listed}, theirs {not_listed}")
    drafts = {e["source"] for e in truth["excluded"] if e["reason"].startswith("draft")}
    our_drafts = set(lessons.filter(draft=True).values_list("source_path", flat=True))
    if our_drafts != drafts:
        problems.append(f"drafts: ours {our_drafts}, theirs {drafts}")

    their_links = [
        (item["label"], item["href"])
        for note in truth["notes"]
        if note.startswith("non-doc sidebar item: ")
        and (item := json.loads(note.removeprefix("non-doc sidebar item: ")))["type"] == "link"
    ]
    if outline_links(outline.entries) != their_links:
        problems.append(f"links: ours {outline_links(outline.entries)}, theirs {their_links}")
    return problems + link_problems(course, truth)
