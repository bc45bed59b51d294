"""Embedded frames, after the Markdown pass: an iframe from an allowed video host is kept,
any other becomes a link to its source."""

import html
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit, urlunsplit

IFRAME_START = re.compile(r"<iframe", re.IGNORECASE)
SRC_ATTRIBUTE = re.compile(
    r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE
)
FRAME_SIZE = re.compile(r"\d{1,4}%?")


def embed_url(src, hosts):
    """The https URL a frame may load when `src` is a web address on one of `hosts` (exact
    host names), else None. Built from the parsed parts, so that what the browser loads is
    what was checked."""
    try:
        parts = urlsplit(src.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https", "") or "\\" in src or host not in hosts:
        return None
    return urlunsplit(("https", host, parts.path, parts.query, parts.fragment))


class _Frames(HTMLParser):
    """Each iframe of a body: where it starts and ends (its end tag included) and its
    attributes. Parsed, so that `<iframe` inside an attribute's value is left alone."""

    def __init__(self, body):
        super().__init__(convert_charrefs=True)
        self.body = body
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", body)]
        self.frames = []  # [start, end, attributes, tag as written]

    def position(self):
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag == "iframe":
            written = self.get_starttag_text()
            attributes = {}
            for name, value in attrs:
                attributes.setdefault(name, value or "")
            start = self.position()
            self.frames.append([start, start + len(written), attributes, written])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "iframe" and self.frames:
            self.frames[-1][1] = self.body.find(">", self.position()) + 1


def embeds(body, hosts, context):
    """An iframe from an allowed video host stays (the sanitiser makes it sandboxed and
    lazy-loaded); any other becomes a link to its source. Each is reported."""
    parser = _Frames(body)
    parser.feed(body)
    parser.close()
    out, done = [], 0
    for start, end, attributes, written in parser.frames:
        if start < done:
            continue  # inside the previous frame
        alone = start == 0 or body[start - 1] == "\n"
        out += [body[done:start], _embed(attributes, written, hosts, context, alone)]
        done = end
    return "".join(out) + body[done:]


def _embed(attributes, written, hosts, context, alone):
    src = attributes.get("src", "").strip()
    title = attributes.get("title", "").strip()
    # The source as written (entities and all) finds the frame's line in the Markdown.
    match = SRC_ATTRIBUTE.search(written)
    src_as_written = next((v for v in match.groups() if v), written) if match else written
    if url := embed_url(src, hosts):
        host = urlsplit(url).hostname
        context.problem(src_as_written, f"iframe from {host} kept as an embedded video", "warning")
        size = "".join(
            f' {name}="{attributes[name]}"'
            for name in ("width", "height")
            if FRAME_SIZE.fullmatch(attributes.get(name, ""))
        )
        title = html.escape(title or "Embedded video")
        return f'<iframe src="{html.escape(url)}" title="{title}"{size} allowfullscreen></iframe>'
    try:
        parts = urlsplit(src)
        host = parts.hostname
    except ValueError:
        host = None
    if host is None or parts.scheme.lower() not in ("http", "https"):
        context.problem(src_as_written, "iframe without a web address removed", "warning")
        return ""
    message = f"iframe {src!r} is not from an allowed video host: shown as a link"
    context.problem(src_as_written, message, "warning")
    link = (
        f'<a class="embed-link" href="{html.escape(src)}" rel="noopener noreferrer">'
        f"{html.escape(title or src)}</a>"
    )
    return f"<p>{link}</p>" if alone else link
