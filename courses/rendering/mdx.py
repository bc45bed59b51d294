"""MDX: what Docusaurus compiles as JavaScript rather than shows, as the line pass meets it.

ESM (`import`/`export`) is never shown; a component on a line of its own becomes a short
notice naming it, except <Tabs>/<TabItem>, whose tabs become disclosure widgets (the first
one open) so that no text is lost; <details>/<summary> become disclosure widgets with their
Markdown rendered; an image whose source is `require("./x.png")` or `useBaseUrl("/img/x.png")`
is that image. `{/* comments */}` are dropped; other `{expressions}` are shown as text.
"""

import re

NOT_MDX = object()
ESM_START = re.compile(
    r"^(?:import\s*(?:[{*'\"]|[\w$]+\s*(?:,|\s+from\b))"
    r"|export\s+(?:default|const|let|var|function|class|async)\b|export\s*[{*])"
)
JSX_ATTRIBUTES = r"""(?:[^<>"'{}]|"[^"]*"|'[^']*'|\{(?:[^{}"']|"[^"]*"|'[^']*'|\{[^{}]*\})*\})*"""
JSX_TAG = re.compile(
    rf"<(?P<close>/)?(?:(?P<name>[A-Z][\w.]*)(?P<attributes>{JSX_ATTRIBUTES})|\s*)>"
)
JSX_LINE = re.compile(rf"\s*(?:<(?:/?[A-Z][\w.]*{JSX_ATTRIBUTES}|/?\s*)>\s*)+")
JSX_LINE_START = re.compile(r"^\s*</?[A-Z]")
JSX_TEXT_ATTRIBUTE = r"""\b{}\s*=\s*(?:"([^"]*)"|'([^']*)'|\{{\s*["']([^"']*)["']\s*\}})"""
MAX_TAG_LINES = 32  # a tag spread over more lines than this is shown as text
MAX_OPEN_ELEMENTS = 32  # components open inside each other whose children are dedented
DETAILS_OPEN = re.compile(
    r"^(?P<indent>\s*)<details(?P<attributes>\s[^>]*)?>\s*"
    r"(?:<summary>(?P<summary>.*?)</summary>\s*)?$",
    re.IGNORECASE,
)
DETAILS_CLOSE = re.compile(r"^\s*</details\s*>\s*$", re.IGNORECASE)
SUMMARY_LINE = re.compile(r"^\s*<summary>(?P<summary>.*?)</summary>\s*$", re.IGNORECASE)
MDX_COMMENT = re.compile(r"^\s*\{/\*.*\*/\}\s*$")
MDX_EXPRESSION = re.compile(r"^\s*\{.*\}\s*$")  # {expression} alone on a line
# An image Docusaurus bundles or serves from static/: `<img src={require("./x.png").default} />`
# (its docs' own example), `<img src={useBaseUrl("/img/x.png")} />`, or the ideal-image
# plugin's `<IdealImage img={require("./x.png")} />`.
IMAGE_TAG = re.compile(rf"^(?P<indent>\s*)<img\b(?P<attributes>{JSX_ATTRIBUTES})>\s*$")
IMAGE_OPEN = re.compile(r"^\s*<img\b[^<>]*$")  # an <img> tag that goes on to the next line
# Docusaurus' <Link to="/x">text</Link> inside a line of text, read as a Markdown link; the
# target may be the lesson's own front matter, `to={frontMatter.repo_link}`.
LINK_ELEMENT = re.compile(rf"<Link\b(?P<attributes>{JSX_ATTRIBUTES})>(?P<text>[^<>`]*)</Link>")
FRONT_MATTER_ATTRIBUTE = r"\b{}\s*=\s*\{{\s*frontMatter\.(\w+)\s*\}}"
FRAGMENT = re.compile(r"</?>")  # <>...</> shows only its children
CODE_SPAN = re.compile(r"(`+[^`]*`+)")
BUNDLED_IMAGE = re.compile(
    r"""\b(?:src|img)\s*=\s*\{\s*(?P<call>require|useBaseUrl)\(\s*"""
    r"""(?:"(?P<double>[^"<>]+)"|'(?P<single>[^'<>]+)')\s*\)(?:\.default)?\s*\}"""
)


def _escape_markup(line):
    return line.replace("&", "&amp;").replace("<", "&lt;")


def _text_attribute(attributes, name):
    match = re.search(JSX_TEXT_ATTRIBUTE.format(name), attributes or "")
    return next((value for value in match.groups() if value is not None), "") if match else ""


def _bundled_image(attributes):
    """`![alt](path)` for an image whose source is a `require()` or `useBaseUrl()` of a
    path, else ""."""
    match = BUNDLED_IMAGE.search(attributes)
    if match is None:
        return ""
    path = match.group("double") or match.group("single")
    if match.group("call") == "useBaseUrl" and "://" not in path:
        path = "/" + path.lstrip("/")  # a path in static/, with or without its slash
    alt = re.sub(r"([\\\[\]])", r"\\\1", " ".join(_text_attribute(attributes, "alt").split()))
    return f"![{alt}](<{path}>)"


def _link_target(attributes, front_matter):
    """A component's `to` or `href`: written out, or read from the lesson's front matter."""
    for name in ("to", "href"):
        if target := _text_attribute(attributes, name):
            break
        match = re.search(FRONT_MATTER_ATTRIBUTE.format(name), attributes)
        if match and isinstance(target := front_matter.get(match.group(1)), str):
            break
    else:
        return ""
    return "" if any(c in target for c in "<>\n") else target.strip()


def _own_link(attributes, front_matter):
    """A component's own `href` or `to` as a Markdown link, labelled by its `title` or
    `label`: a link card's notice does not lose where the card led."""
    if not (target := _link_target(attributes, front_matter)):
        return ""
    label = _text_attribute(attributes, "title") or _text_attribute(attributes, "label")
    label = re.sub(r"([\\`*_\[\]<])", r"\\\1", " ".join((label or target).split()))
    return f"[{label}](<{target}>)"


class Mdx:
    """The line pass's MDX rules, which share its warnings and its stack of blocks.
    `rewrite` returns the line's replacement (None to drop it), or NOT_MDX for a line these
    rules leave alone."""

    def __init__(self, lines):
        self.lines = lines
        self.in_esm = False
        self.held = []  # (number, line) of a component tag spread over several lines
        self.image = []  # the lines of an <img> tag spread over several lines
        self.details = None  # (indent, open) of a <details> waiting for its summary
        self.tabs = []  # per open <Tabs>: whether one of its tabs has been opened
        # Per open component with children: [its name, the indent of its first child line].
        self.elements = []

    def rewrite(self, number, line):
        if self.in_esm:
            self.in_esm = bool(line.strip())  # an import or export runs to a blank line
            return None if self.in_esm else line
        if self.held:
            return self.continue_tag(number, line)
        if self.details is not None:
            return self.summary(number, line)
        if ESM_START.match(line):
            self.in_esm = True
            return None
        if self.image or IMAGE_TAG.match(line) or IMAGE_OPEN.match(line):
            return self.image_line(line)
        if JSX_LINE_START.match(line):
            return self.component_line(number, line)
        if match := DETAILS_OPEN.match(line):
            opened = bool(re.search(r"\bopen\b", match.group("attributes") or ""))
            self.details = (match.group("indent"), opened)
            if match.group("summary") is not None:
                return self.open_details(number, match.group("summary"))
            return None
        if DETAILS_CLOSE.match(line):
            closed = self.lines.close_block()
            return NOT_MDX if closed is None else closed
        if MDX_COMMENT.match(line):
            return ""
        if MDX_EXPRESSION.match(line):
            self.lines.warn(
                number, f"MDX/JSX is not supported and is shown as text: {line.strip()}"
            )
            return _escape_markup(line)
        return NOT_MDX

    def dedent(self, line):
        """The line without the indent of the innermost open component's children. MDX has
        no indented code blocks, so children indented four spaces (as in Docusaurus' own
        examples of <Tabs>) are Markdown, not code; their indents relative to each other stay."""
        if not self.elements or not line.strip():
            return line
        text = line.lstrip(" \t")
        indent = line[: len(line) - len(text)].expandtabs(4)
        element = self.elements[-1]
        if element[1] is None:
            element[1] = len(indent)
        return indent[element[1] :] + text

    def finish(self, number):
        """What is still held when the text ends (on line `number`)."""
        if self.held:
            return self.give_up()
        if self.image:
            text, self.image = "\n".join(self.image), []
            return text
        if self.details is not None:
            return self.open_details(number, "")
        return None

    # Components ---------------------------------------------------------------------------

    def component_line(self, number, line):
        if JSX_LINE.fullmatch(line):
            return self.tags(number, line)
        if JSX_TAG.match(line.lstrip()):
            return NOT_MDX  # a component inside a line of text: its text is shown
        self.held = [(number, line)]
        return None

    def continue_tag(self, number, line):
        self.held.append((number, line))
        text = "\n".join(held for _, held in self.held)
        if JSX_LINE.fullmatch(text):
            first = self.held[0][0]
            self.held = []
            return self.tags(first, text)
        # A blank line ends a tag, but not inside an attribute's {expression} (a template
        # literal of code, say), which MDX reads to its closing brace.
        open_expression = text.count("{") > text.count("}")
        if (not line.strip() and not open_expression) or len(self.held) > MAX_TAG_LINES:
            return self.give_up()
        return None

    def give_up(self):
        held, self.held = self.held, []
        number, first = held[0]
        self.lines.warn(number, f"MDX/JSX is not supported and is shown as text: {first.strip()}")
        return "\n".join(_escape_markup(line) for _, line in held)

    def tags(self, number, text):
        indent = text[: len(text) - len(text.lstrip())].rpartition("\n")[2]
        out = []
        for tag in JSX_TAG.finditer(text):
            name, attributes = tag.group("name"), tag.group("attributes") or ""
            self_closing = attributes.rstrip().endswith("/")
            if name is None:
                continue  # a fragment, <> or </>
            self.nest(name, closing=bool(tag.group("close")), self_closing=self_closing)
            if name == "Tabs":
                if tag.group("close"):
                    if self.tabs:
                        self.tabs.pop()
                elif not self_closing:
                    self.tabs.append(False)
            elif name == "TabItem":
                if tag.group("close"):
                    out.append(self.lines.close_block() or "")
                elif not self_closing:
                    out.append(self.open_tab(number, indent, attributes))
            elif image := _bundled_image(attributes):
                out.append(f"{indent}{image}")
            elif not tag.group("close"):
                out.append(self.notice(number, indent, name))
                if link := _own_link(attributes, self.lines.front_matter):
                    out.append(f"\n{indent}{link}\n")
        return "\n".join(part for part in out if part)

    def nest(self, name, *, closing, self_closing):
        """Follow which elements are open, whose children `dedent` takes the indent off."""
        names = [open_name for open_name, _ in self.elements]
        if closing and name in names:
            del self.elements[len(names) - 1 - names[::-1].index(name) :]
        elif not closing and not self_closing and len(self.elements) < MAX_OPEN_ELEMENTS:
            self.elements.append([name, None])

    def open_tab(self, number, indent, attributes):
        label = _text_attribute(attributes, "label") or _text_attribute(attributes, "value")
        first = not self.tabs or not self.tabs[-1]
        if self.tabs:
            self.tabs[-1] = True
        options = ["type: tab"] + first * ["open: True"]
        return self.lines.open_block(number, indent, "details", label or "Tab", options)

    def notice(self, number, indent, name):
        self.lines.warn(
            number, f"MDX component <{name}> is replaced by a notice (not available here)"
        )
        notice = self.lines.open_block(number, indent, "component-notice", name)
        return notice + self.lines.close_block()

    def inline(self, line):
        """The line with, outside code spans, each <Link ...>text</Link> as a Markdown link
        (Python-Markdown would keep only its text) and fragments' <> and </> left out."""
        if "<Link" not in line and "<>" not in line and "</>" not in line:
            return line
        parts = CODE_SPAN.split(line)
        parts[::2] = [
            FRAGMENT.sub("", LINK_ELEMENT.sub(self.markdown_link, part)) for part in parts[::2]
        ]
        return "".join(parts)

    def markdown_link(self, element):
        target = _link_target(element.group("attributes"), self.lines.front_matter)
        text = element.group("text").strip() or target
        return f"[{text}](<{target}>)" if target else element.group(0)

    # Images -------------------------------------------------------------------------------

    def image_line(self, line):
        """An <img> tag, on one line or several: an image when its source is bundled, else
        its lines as written (HTML)."""
        self.image.append(line)
        text = "\n".join(self.image)
        if tag := IMAGE_TAG.match(text):
            lines, self.image = len(self.image), []
            if image := _bundled_image(tag.group("attributes")):
                return tag.group("indent") + image
            return text if lines > 1 else NOT_MDX
        if not line.strip() or len(self.image) > MAX_TAG_LINES:
            self.image = []
            return text
        return None

    # <details> ----------------------------------------------------------------------------

    def summary(self, number, line):
        """A <details> waits for its <summary> on the next line that is not blank."""
        if not line.strip():
            return None
        match = SUMMARY_LINE.match(line)
        header = self.open_details(number, match.group("summary") if match else "")
        if match:
            return header
        rest = self.lines.rewrite(number, line)
        return header if rest is None else f"{header}\n{rest}"

    def open_details(self, number, summary):
        indent, opened = self.details
        self.details = None
        options = opened * ["open: True"]
        return self.lines.open_block(number, indent, "details", summary.strip(), options)
