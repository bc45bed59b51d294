"""Links and images pointed at their lesson and asset URLs, through the render's callbacks."""

from urllib.parse import urlsplit

from markdown.treeprocessors import Treeprocessor


def _is_relative(url):
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


class LinkResolver(Treeprocessor):
    """Points local links and relative images at their lesson and asset URLs, through the
    callbacks, which decide how a link as written resolves (see courses.importing.links)."""

    def run(self, root):
        context = self.md.coursebook
        for element in root.iter():
            if element.tag == "a":
                self.link(element, context)
            elif element.tag == "img":
                self.image(element, context)

    def unescaped(self, element, attribute):
        """The attribute as written: a backslash escape (`startpage\\_empty.png`) is still a
        placeholder here, as Python-Markdown restores escapes after every other tree pass."""
        return self.md.treeprocessors["unescape"].unescape(element.get(attribute, ""))

    def link(self, element, context):
        href = self.unescaped(element, "href")
        if not href:
            return
        try:
            parts = urlsplit(href)
        except ValueError:
            element.attrib.pop("href")
            return
        if parts.scheme or parts.netloc:
            if parts.scheme.lower() in ("http", "https"):
                element.set("rel", "noopener noreferrer")
            return
        path, _, anchor = href.partition("#")
        path, question, query = path.partition("?")
        if not path or context.resolve_link is None:
            return  # an anchor or query on this page, or nothing to resolve with
        url = context.resolve_link(path)
        if url is None:
            _show_as_text(element)
            context.problem(href, f"broken link: {path}", "broken_link")
        else:
            element.set("href", url + question + query + (f"#{anchor}" if anchor else ""))

    def image(self, element, context):
        src = self.unescaped(element, "src")
        if not src or not _is_relative(src) or context.resolve_image is None:
            return
        url = context.resolve_image(src)
        if url is None:
            element.attrib.pop("src")
            context.problem(src, f"image not found: {src}", "warning")
        else:
            element.set("src", url)


def _show_as_text(link):
    """A broken link reads as the text around it: learners get nothing to click that goes
    nowhere; staff see it in the import report and the admin's warnings."""
    link.tag = "span"
    link.attrib.clear()
    link.set("class", "broken-link")
