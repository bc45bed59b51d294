"""Render a lesson's Markdown (Docusaurus docs flavour) to safe HTML and a table of contents.

`render_markdown` is a pure function: links and images are resolved through the callbacks
it is given, and every problem found (broken links, MDX that cannot be shown) is returned
with its file line instead of raised.

The work happens in four passes:

1. a line pass over the source that rewrites what Python-Markdown cannot read as is:
   Docusaurus admonitions (`:::tip Title` ... `:::`) become pymdownx blocks, code-fence
   meta (`title="x.py" {1,3-4}`) becomes superfences options, and MDX is dealt with
   (imports and exports dropped, components turned into notices, tabs and <details> into
   disclosure blocks);
2. Python-Markdown with an explicit extension list, plus tree passes that give headings
   their Docusaurus ids and permalinks (and collect the toc) and resolve links and images;
   then iframes: kept from the allowed video hosts, links to their source otherwise;
3. nh3 with an allow-list, so whatever the author wrote, no script can reach the page;
   only then do task lists get their checkboxes (`courses.tasklists`);
4. code blocks and tables get the markup that lets them scroll sideways, reachable by keyboard.
"""

import bisect
import functools
import html
import math
import re
import threading
import xml.etree.ElementTree as etree
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import markdown
import nh3
from markdown import blockprocessors, inlinepatterns
from markdown.extensions.toc import remove_fnrefs, render_inner_html, strip_tags
from markdown.htmlparser import HTMLExtractor, htmlparser
from markdown.inlinepatterns import SimpleTagInlineProcessor
from markdown.preprocessors import HtmlBlockPreprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.style import Style
from pygments.util import ClassNotFound
from pymdownx.blocks import BlocksExtension
from pymdownx.blocks.admonition import Admonition
from pymdownx.blocks.block import Block
from pymdownx.blocks.details import Details
from pymdownx.slugs import slugify

from courses.tasklists import TaskListExtension, put_checkboxes

ADMONITION_TYPES = ("note", "tip", "info", "warning", "danger", "caution")
MAX_NESTING = 16  # list and admonition levels; deeper ones are flattened or shown as text


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str
    kind: Literal["broken_link", "warning"] = "warning"


@dataclass
class Rendered:
    html: str
    toc: list = field(default_factory=list)
    problems: list = field(default_factory=list)


# Pass 1: lines ------------------------------------------------------------------------------

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
ADMONITION_OPEN = re.compile(
    r"^(?P<indent>\s*)(?P<colons>:{3,})(?P<type>[A-Za-z]+)"
    r"(?:\[(?P<bracket>[^\]]*)\]|[ \t]+(?P<title>.*?))?\s*$"
)
ADMONITION_CLOSE = re.compile(r"^\s*(?P<colons>:{3,})\s*$")
MDX_COMMENT = re.compile(r"^\s*\{/\*.*\*/\}\s*$")
MDX_EXPRESSION = re.compile(r"^\s*\{.*\}\s*$")  # {expression} alone on a line
CODE_TITLE = re.compile(r"""\btitle=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>\S+))""")
CODE_LINES = re.compile(r"\{(?P<ranges>[\d\s,-]+)\}")
CODE_LINE_NUMBERS = re.compile(r"\bshowLineNumbers(?:=(?P<start>\d+))?")


def _superfences_info(info, highlighted=()):
    """Docusaurus fence meta (```py title="a.py" {1,3-4} showLineNumbers) in the option
    syntax pymdownx.superfences reads (```py title="a.py" hl_lines="1 3-4" linenums="1").
    `highlighted` are line numbers marked by magic comments, used when meta names none."""
    words = info.strip().split(None, 1)
    if not words or "=" in words[0] or words[0].startswith("{"):
        language, meta = "", info.strip()
    else:
        language, meta = words[0], words[1] if len(words) > 1 else ""
    options = []
    if title := CODE_TITLE.search(meta):
        text = title.group("dq") or title.group("sq") or title.group("bare") or ""
        options.append('title="{}"'.format(text.replace('"', "'")))
    if lines := CODE_LINES.search(meta):
        ranges = [part.strip() for part in lines.group("ranges").split(",") if part.strip()]
    else:
        ranges = [str(number) for number in highlighted]
    if ranges:
        options.append('hl_lines="{}"'.format(" ".join(ranges)))
    if numbers := CODE_LINE_NUMBERS.search(meta):
        options.append('linenums="{}"'.format(numbers.group("start") or 1))
    if not options:
        return info
    return " ".join([language or "text", *options])


MAGIC_COMMENT = re.compile(
    r"^\s*(?://|#|--|;;|%|<!--|\{?/\*)\s*highlight-(?P<kind>next-line|start|end)"
    r"\s*(?:-->|\*/\}?)?\s*$"
)


def _magic_comments(lines):
    """Docusaurus `// highlight-next-line` and `// highlight-start` ... `// highlight-end`
    comments: the code without them, and the numbers of the lines they mark."""
    kept, highlighted = [], []
    next_line = in_range = False
    for line in lines:
        if match := MAGIC_COMMENT.match(line):
            kind = match.group("kind")
            next_line = next_line or kind == "next-line"
            in_range = kind == "start" or (in_range and kind != "end")
            continue
        kept.append(line)
        if next_line or in_range:
            highlighted.append(len(kept))
            next_line = False
    return kept, highlighted


class _CodeBlock:
    """A fenced code block, held until its closing fence so that its magic comments can
    become the opening fence's highlighted lines."""

    def __init__(self, indent, fence, info):
        self.indent = indent
        self.fence = fence
        self.info = info
        self.lines = []

    def closed_by(self, line):
        stripped = line.strip()
        return stripped.startswith(self.fence) and not stripped.strip(self.fence[0])

    def text(self, closing):
        lines, highlighted = self.lines, []
        if not CODE_LINES.search(self.info):
            lines, highlighted = _magic_comments(lines)
        opening = self.indent + self.fence + _superfences_info(self.info, highlighted)
        return "\n".join([opening, *lines, closing])


LIST_ITEM = re.compile(r"^(?P<indent> *)(?P<marker>[-*+]|(?P<number>\d{1,9})\.)(?P<gap> +|$)")
THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
STARTS_BLOCK = re.compile(r"^\s*(?:#|>|```|~~~|<|:::|\||$)")


class _ListIndents:
    """Re-indents list items the CommonMark way (content column) into Python-Markdown's
    (four spaces per level), and separates a list from a paragraph it interrupts, so that
    Docusaurus-style two-space nesting and lists right under a line of text render."""

    def __init__(self):
        self.items = []  # (marker column, content column) of each open list item
        self.previous = ""  # the previous line as written
        self.previous_was_item = False

    def reindent(self, line):
        """The line as Python-Markdown should read it, preceded by a blank if needed."""
        previous, previous_was_item = self.previous, self.previous_was_item
        self.previous, self.previous_was_item = line, False
        if not line.strip():
            return line
        expanded = line.expandtabs(4)
        width = len(expanded) - len(expanded.lstrip(" "))
        item = LIST_ITEM.match(expanded)
        if item and THEMATIC_BREAK.match(expanded):
            item = None
        if item and not self.items and width >= 4:
            item = None  # an indented code block
        lazy = not STARTS_BLOCK.match(previous) and not STARTS_BLOCK.match(line)
        if not item and lazy and self.items and width < self.items[-1][1]:
            return line  # a paragraph's lazy continuation stays in its item
        open_items = len(self.items)
        while self.items and width < self.items[-1][1]:
            self.items.pop()
        if not item:
            return self.shift(expanded, width) if self.items else line
        self.previous_was_item = True
        gap = len(item.group("gap"))
        content = item.end("marker") + (gap if 0 < gap <= 4 else 1)
        if len(self.items) < MAX_NESTING:
            reindented = self.shift(expanded, width)
        else:  # deeper nesting costs Python-Markdown far more than it shows: flatten it
            self.items.pop()
            reindented = " " * (4 * len(self.items)) + expanded.lstrip(" ")
        self.items.append((width, content))
        if self.needs_blank_before(item, previous, previous_was_item, open_items):
            return "\n" + reindented
        return reindented

    def needs_blank_before(self, item, previous, previous_was_item, open_items):
        """Python-Markdown starts a list only after a blank line; CommonMark lets a list
        interrupt a paragraph (an ordered one only when it starts at 1)."""
        if not previous.strip() or previous_was_item:
            return False
        continues_list = len(self.items) <= open_items and not STARTS_BLOCK.match(previous)
        if continues_list:
            return False  # the next item of a list whose item ended lazily
        starts_new_list = len(self.items) == 1
        return not starts_new_list or item.group("number") in (None, "1")

    def shift(self, expanded, width):
        if not self.items:
            return expanded
        depth_indent = 4 * len(self.items)
        extra = max(width - self.items[-1][1], 0)
        return " " * (depth_indent + extra) + expanded.lstrip(" ")

    def inside_fence(self, line):
        """A code line inside a list item moves with its item."""
        self.previous, self.previous_was_item = line, False
        if not self.items or not line.strip():
            return line
        expanded = line.expandtabs(4)
        width = len(expanded) - len(expanded.lstrip(" "))
        return self.shift(expanded, width)


# MDX: what Docusaurus compiles as JavaScript rather than shows. ESM (`import`/`export`) is
# never shown; a component on a line of its own becomes a short notice naming it, except
# <Tabs>/<TabItem>, whose tabs become disclosure widgets (the first one open) so that no text
# is lost; <details>/<summary> become disclosure widgets with their Markdown rendered.
NOT_MDX = object()
TAG_BLOCK = math.inf  # a block closed by its end tag, never by a run of colons
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
DETAILS_OPEN = re.compile(
    r"^(?P<indent>\s*)<details(?P<attributes>\s[^>]*)?>\s*"
    r"(?:<summary>(?P<summary>.*?)</summary>\s*)?$",
    re.IGNORECASE,
)
DETAILS_CLOSE = re.compile(r"^\s*</details\s*>\s*$", re.IGNORECASE)
SUMMARY_LINE = re.compile(r"^\s*<summary>(?P<summary>.*?)</summary>\s*$", re.IGNORECASE)


def _escape_markup(line):
    return line.replace("&", "&amp;").replace("<", "&lt;")


def _text_attribute(attributes, name):
    match = re.search(JSX_TEXT_ATTRIBUTE.format(name), attributes or "")
    return next((value for value in match.groups() if value is not None), "") if match else ""


class _Mdx:
    """The line pass's MDX rules. `rewrite` returns the line's replacement (None to drop
    it), or NOT_MDX for a line these rules leave alone."""

    def __init__(self, lines):
        self.lines = lines
        self.in_esm = False
        self.held = []  # (number, line) of a component tag spread over several lines
        self.details = None  # (indent, open) of a <details> waiting for its summary
        self.tabs = []  # per open <Tabs>: whether one of its tabs has been opened

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
        if JSX_LINE_START.match(line):
            return self.component_line(number, line)
        if match := DETAILS_OPEN.match(line):
            opened = bool(re.search(r"\bopen\b", match.group("attributes") or ""))
            self.details = (match.group("indent"), opened)
            if match.group("summary") is not None:
                return self.open_details(match.group("summary"))
            return None
        if DETAILS_CLOSE.match(line):
            closed = self.close_block()
            return NOT_MDX if closed is None else closed
        return NOT_MDX

    def finish(self):
        """What is still held when the text ends."""
        if self.held:
            return self.give_up()
        if self.details is not None:
            return self.open_details("")
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
        if not line.strip() or len(self.held) > MAX_TAG_LINES:
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
            if name == "Tabs":
                if tag.group("close"):
                    if self.tabs:
                        self.tabs.pop()
                elif not self_closing:
                    self.tabs.append(False)
            elif name == "TabItem":
                if tag.group("close"):
                    out.append(self.close_block() or "")
                elif not self_closing:
                    out.append(self.open_tab(indent, attributes))
            elif not tag.group("close"):
                out.append(self.notice(number, indent, name))
        return "\n".join(part for part in out if part)

    def open_tab(self, indent, attributes):
        label = _text_attribute(attributes, "label") or _text_attribute(attributes, "value")
        first = not self.tabs or not self.tabs[-1]
        if self.tabs:
            self.tabs[-1] = True
        return self.open_block(
            indent, "details", label or "Tab", ["type: tab"] + first * ["open: True"]
        )

    def notice(self, number, indent, name):
        self.lines.warn(
            number, f"MDX component <{name}> is replaced by a notice (not available here)"
        )
        return self.open_block(indent, "component-notice", name) + self.close_block()

    # <details> ----------------------------------------------------------------------------

    def summary(self, number, line):
        """A <details> waits for its <summary> on the next line that is not blank."""
        if not line.strip():
            return None
        match = SUMMARY_LINE.match(line)
        header = self.open_details(match.group("summary") if match else "")
        if match:
            return header
        rest = self.lines.rewrite(number, line)
        return header if rest is None else f"{header}\n{rest}"

    def open_details(self, summary):
        indent, opened = self.details
        self.details = None
        return self.open_block(indent, "details", summary.strip(), opened * ["open: True"])

    # Blocks -------------------------------------------------------------------------------

    def open_block(self, indent, kind, argument, options=()):
        """A pymdownx block on the line pass's stack of admonitions, so that blocks of both
        kinds nest."""
        stack = self.lines.admonitions
        if len(stack) >= MAX_NESTING:
            stack.append((TAG_BLOCK, "", None))
            return f"\n{indent}{argument}\n"
        fence = "/" * (3 + len(stack))
        stack.append((TAG_BLOCK, indent, fence))
        header = f"{fence} {kind} | {argument}" if argument else f"{fence} {kind}"
        return "\n".join([f"\n{indent}{header}", *(f"{indent}    {o}" for o in options), ""])

    def close_block(self):
        """Closes the innermost block opened by a tag, and any left open inside it."""
        stack = self.lines.admonitions
        if not any(colons == TAG_BLOCK for colons, _, _ in stack):
            return None
        out = []
        while stack:
            colons, indent, fence = stack.pop()
            if fence:
                out.append(f"\n{indent}{fence}\n")
            if colons == TAG_BLOCK:
                break
        return "".join(out)


class _LinePass:
    """Rewrites the source line by line; knows which lines are inside code fences."""

    def __init__(self, first_line):
        self.first_line = first_line
        self.problems = []
        self.code = None
        self.admonitions = []
        self.lists = _ListIndents()
        self.mdx = _Mdx(self)

    def run(self, text):
        out = []
        for number, line in enumerate(text.split("\n")):
            rewritten = self.line(number, line)
            if rewritten is not None:
                out.append(rewritten)
        if self.code:  # as in CommonMark, an unclosed fence runs to the end
            out.append(self.code.text(self.code.indent + self.code.fence))
        if (held := self.mdx.finish()) is not None:
            out.append(held)
        out.extend(
            f"\n{indent}{fence}" for _, indent, fence in reversed(self.admonitions) if fence
        )
        return "\n".join(out)

    def warn(self, number, message):
        self.problems.append(Problem(self.first_line + number, message, "warning"))

    def line(self, number, line):
        """The line rewritten, or None while it is held inside a code block."""
        if self.code:
            line = self.lists.inside_fence(line)
            if not self.code.closed_by(line):
                self.code.lines.append(line)
                return None
            code, self.code = self.code, None
            return code.text(line)
        blank, newline, line = self.lists.reindent(line).rpartition("\n")
        rewritten = self.rewrite(number, line)
        if rewritten is None:
            return blank if newline else None
        return blank + newline + rewritten

    def rewrite(self, number, line):
        mdx = self.mdx.rewrite(number, line)
        if mdx is not NOT_MDX:
            return mdx
        if match := FENCE.match(line):
            fence = match.group("fence")
            if fence[0] == "`" and "`" in match.group("info"):
                return line  # inline code that starts with backticks, not a fence
            self.code = _CodeBlock(match.group("indent"), fence, match.group("info"))
            return None
        if match := ADMONITION_OPEN.match(line):
            return self.open_admonition(number, match) or line
        if match := ADMONITION_CLOSE.match(line):
            return self.close_admonition(match) or line
        if MDX_COMMENT.match(line):
            return ""
        if MDX_EXPRESSION.match(line):
            self.warn(number, f"MDX/JSX is not supported and is shown as text: {line.strip()}")
            return _escape_markup(line)
        return line

    def open_admonition(self, number, match):
        kind = match.group("type").lower()
        if kind not in ADMONITION_TYPES:
            self.warn(number, f"unknown admonition type :::{match.group('type')}")
            return None
        if len(self.admonitions) >= MAX_NESTING:
            if len(self.admonitions) == MAX_NESTING:
                self.warn(number, f"admonitions nested over {MAX_NESTING} deep are shown as text")
            self.admonitions.append((len(match.group("colons")), "", None))
            return None
        title = match.group("bracket")
        if title is None:
            title = match.group("title")
        # Each nesting level gets its own pymdownx fence length, so an inner block never
        # closes an outer one.
        fence = "/" * (3 + len(self.admonitions))
        self.admonitions.append((len(match.group("colons")), match.group("indent"), fence))
        header = (
            f"{fence} {kind} | {title.strip()}" if title and title.strip() else f"{fence} {kind}"
        )
        return f"\n{match.group('indent')}{header}\n"

    def close_admonition(self, match):
        """A run of colons at least as long as the innermost opening closes it."""
        if not self.admonitions or len(match.group("colons")) < self.admonitions[-1][0]:
            return None
        _, indent, fence = self.admonitions.pop()
        return f"\n{indent}{fence}\n" if fence else None


# Pass 2: Markdown ---------------------------------------------------------------------------


class _Aside(Admonition):
    """A Docusaurus admonition: <aside class="admonition tip"> with its title."""

    def on_create(self, parent):
        element = super().on_create(parent)
        element.tag = "aside"
        return element


class _AdmonitionsExtension(BlocksExtension):
    def extendMarkdownBlocks(self, md, block_mgr):
        for kind in ADMONITION_TYPES:
            block_mgr.register(
                type(
                    kind.title(),
                    (_Aside,),
                    {"OPTIONS": {}, "NAME": kind, "DEF_TITLE": kind.title(), "DEF_CLASS": kind},
                ),
                {},
            )


class _ComponentNotice(Block):
    """Where an MDX component stood: `/// component-notice | Name` names it."""

    NAME = "component-notice"
    ARGUMENT = True

    def on_create(self, parent):
        notice = etree.SubElement(parent, "p", {"class": "component-notice"})
        notice.text = "Interactive content not available here: "
        etree.SubElement(notice, "code").text = AtomicString(self.argument)
        return notice


class _MdxBlocksExtension(BlocksExtension):
    """Disclosure widgets for <details> and tabs, and notices for components."""

    def extendMarkdownBlocks(self, md, block_mgr):
        block_mgr.register(Details, {})
        block_mgr.register(_ComponentNotice, {})


def _is_relative(url):
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


class _LinkResolver(Treeprocessor):
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


LINK_TARGET_OPENERS = ("(", "<", ":", "=", '"', "'")


class _Context:
    """What one render call brings: callbacks, the source for line numbers, problems."""

    def __init__(self, text, first_line, resolve_link, resolve_image):
        self.text = text
        self.first_line = first_line
        self.resolve_link = resolve_link
        self.resolve_image = resolve_image
        self.problems = []
        self.toc = []
        self.checkboxes = None  # the task items, found by courses.tasklists
        self._after = {}  # target -> where its last mention ended
        self._cursor = 0  # where the last mention of any target ended
        self._newlines = None

    def line_of(self, target):
        """The file line of the next mention of `target` as a link or image target. Links
        are met in document order, so the search goes on from the last mention found, which
        keeps it linear."""
        after = self._after.get(target, 0)
        for start in (max(after, self._cursor), after, 0):
            position = self._mention(target, start)
            if position >= 0:
                break
        else:
            return None
        self._after[target] = self._cursor = position + len(target)
        if self._newlines is None:
            self._newlines = [match.start() for match in re.finditer("\n", self.text)]
        return self.first_line + bisect.bisect_left(self._newlines, position)

    def _mention(self, target, start):
        """Where `target` next stands as a link target (`](x`, `]: x`, `<x>`, `src="x"`),
        not as a word of the text; else anywhere."""
        anywhere = position = self.text.find(target, start)
        while position >= 0:
            before = self.text[max(0, position - 8) : position].rstrip(" \t")
            if before.endswith(LINK_TARGET_OPENERS):
                return position
            position = self.text.find(target, position + 1)
        return anywhere

    def problem(self, target, message, kind):
        self.problems.append(Problem(self.line_of(target), message, kind))


HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
EXPLICIT_ID = re.compile(r"\s*\{#(?P<id>[\w.:-]+)\}\s*$")
_slug = slugify(case="lower")


class _Headings(Treeprocessor):
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
            title = html.unescape(strip_tags(render_inner_html(remove_fnrefs(element), self.md)))
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


def _add_permalink(heading, anchor, title):
    """The "#" after a heading, named for screen readers as Docusaurus names it."""
    name = f"Direct link to {title}"
    permalink = etree.SubElement(heading, "a", {"class": "headerlink", "href": f"#{anchor}"})
    permalink.set("aria-label", name)
    permalink.set("title", name)
    permalink.text = "#"


class _EmptyHeaderCells(Treeprocessor):
    """A table's empty header cell (the corner of `| | A | B |`) becomes a plain cell: a
    header that names nothing is noise to a screen reader."""

    def run(self, root):
        for cell in root.iter("th"):
            if not (cell.text or "").strip() and not len(cell):
                cell.tag = "td"


class _CoursebookExtension(markdown.Extension):
    """Heading ids and the toc, link resolution, and GitHub-flavoured ~~strikethrough~~."""

    def extendMarkdown(self, md):
        md.treeprocessors.register(_Headings(md), "coursebook_headings", 5)
        md.treeprocessors.register(_LinkResolver(md), "coursebook_links", 1)
        md.treeprocessors.register(_EmptyHeaderCells(md), "coursebook_empty_headers", 1)
        strikethrough = SimpleTagInlineProcessor(r"(~~)(?=\S)(.+?)(?<=\S)~~", "del")
        md.inlinePatterns.register(strikethrough, "strikethrough", 65)


# Bounded parsing ----------------------------------------------------------------------------
#
# Python-Markdown reads some shapes in quadratic time: for every "[" it looks for the closing
# "]" up to the end of the paragraph, for every "](" the closing ")", and its HTML reader looks
# for the end of every "<tag" up to the end of the document. A paragraph of 10,000 "[" took
# 15 seconds. These subclasses stop each look-ahead after a fixed number of the characters
# that matter, so every character is looked at a bounded number of times; what they give up
# on (a link text holding more than 32 brackets, a link target with more than 32 brackets or
# quotes) stays text, as an unclosed bracket does.

# What a look-ahead reads: from where it starts through the 32nd bracket (or quote, for a
# link target) or the last one, past which nothing can close what was opened.
LINK_TEXT_WINDOW = re.compile(r"(?:[^\[\]]*+[\[\]]){1,32}+")
LINK_TARGET_WINDOW = re.compile(r"""\((?:[^()"']*+[()"']){1,31}+""")


def _window(data, start, marks):
    found = marks.match(data, start)
    return found[0] if found else ""


class _BoundedLinkText:
    """getText (the `[text]` of a link, image or reference) and getLink (the `(target)`),
    each reading a window of at most 32 brackets."""

    def getText(self, data, index):
        window = _window(data, index, LINK_TEXT_WINDOW)
        if "]" not in window:
            return "", index, False
        text, stop, handled = super().getText(window, 0)
        return text, index + stop, handled

    def getLink(self, data, index):
        window = _window(data, index, LINK_TARGET_WINDOW)
        if ")" not in window:
            return "", None, index, False
        href, title, stop, handled = super().getLink(window, 0)
        return href, title, index + stop, handled


LINK_PROCESSORS = {  # name: (Python-Markdown's class, its priority)
    "reference": (inlinepatterns.ReferenceInlineProcessor, 170),
    "link": (inlinepatterns.LinkInlineProcessor, 160),
    "image_link": (inlinepatterns.ImageInlineProcessor, 150),
    "image_reference": (inlinepatterns.ImageReferenceInlineProcessor, 140),
    "short_reference": (inlinepatterns.ShortReferenceInlineProcessor, 130),
    "short_image_ref": (inlinepatterns.ShortImageReferenceInlineProcessor, 125),
}
# A footnote label is at most 999 characters, as a link label is in CommonMark; the
# possessive repeat never backtracks.
FOOTNOTE_REFERENCE = re.compile(r"\[\^([^\]]{0,999}+)\]")


class _LinearListItems:
    """get_items as Python-Markdown's, which adds each line to its item by joining strings,
    quadratic in the item's length (and again at every nesting level). Here each item
    gathers its lines in a list, joined once."""

    def get_items(self, block):
        items = []
        for line in block.split("\n"):
            if match := self.CHILD_RE.match(line):
                if not items and self.TAG == "ol":
                    self.STARTSWITH = re.match(r"\d+", match.group(1)).group()
                items.append([match.group(3)])
            elif self.INDENT_RE.match(line) and not items[-1][0].startswith(" " * self.tab_length):
                items.append([line])  # a nested list's first item
            else:
                items[-1].append(line)
        return ["\n".join(lines) for lines in items]


LIST_PROCESSORS = {  # name: (Python-Markdown's class, its priority)
    "olist": (blockprocessors.OListProcessor, 40),
    "ulist": (blockprocessors.UListProcessor, 30),
}


class _BoundedHtmlExtractor(HTMLExtractor):
    """When a "<tag" turns out unfinished, html.parser has read its attributes up to the end
    of the document or the next ">". A "<" inside what it read is text too, rather than the
    start of another scan as long."""

    _unfinished = (None, 0)  # (the text parsed, where the last unfinished tag's reading ended)

    def check_for_whole_start_tag(self, i):
        rawdata, unfinished_until = self._unfinished
        if rawdata is self.rawdata and i < unfinished_until:
            return -1
        end = super().check_for_whole_start_tag(i)
        if end < 0:
            read = htmlparser.locatestarttagend_tolerant.match(self.rawdata, i).end()
            self._unfinished = (self.rawdata, read)
        return end


class _BoundedHtmlBlocks(HtmlBlockPreprocessor):
    def run(self, lines):
        parser = _BoundedHtmlExtractor(self.md)
        parser.feed("\n".join(lines))
        parser.close()
        return "".join(parser.cleandoc).split("\n")


class _BoundedParsingExtension(markdown.Extension):
    def extendMarkdown(self, md):
        for name, (base, priority) in LINK_PROCESSORS.items():
            bounded = type(f"Bounded{base.__name__}", (_BoundedLinkText, base), {})
            md.inlinePatterns.register(
                bounded(md.inlinePatterns[name].pattern, md), name, priority
            )
        for name, (base, priority) in LIST_PROCESSORS.items():
            linear = type(f"Linear{base.__name__}", (_LinearListItems, base), {})
            md.parser.blockprocessors.register(linear(md.parser), name, priority)
        if "footnote" in md.inlinePatterns:
            md.inlinePatterns["footnote"].compiled_re = FOOTNOTE_REFERENCE
        md.preprocessors.register(_BoundedHtmlBlocks(md), "html_block", 20)


class _ClassesOnlyStyle(Style):
    """Highlighting writes CSS classes only (the stylesheet is static), so the formatter
    gets a style with nothing to build: Pygments turns the default one into CSS for every
    code block otherwise."""

    styles = {}


def _extensions():
    return [
        "markdown.extensions.tables",
        "markdown.extensions.footnotes",
        "pymdownx.highlight",
        "pymdownx.superfences",
        TaskListExtension(),
        _AdmonitionsExtension(),
        _MdxBlocksExtension(),
        _CoursebookExtension(),
        _BoundedParsingExtension(),
    ]


EXTENSION_CONFIGS = {
    "markdown.extensions.tables": {"use_align_attribute": True},
    "pymdownx.highlight": {
        "css_class": "highlight",
        "use_pygments": True,
        "guess_lang": False,
        "pygments_lang_class": True,
        "pygments_style": _ClassesOnlyStyle,
        # Line numbers drawn by CSS from data-linenos: one <pre> per block, and copying the
        # code copies no numbers.
        "linenums_style": "pymdownx-inline",
    },
}

_idle = threading.local()


@contextmanager
def _markdown(context):
    """A configured Markdown instance holding this call's context, reset before use.

    Building an instance costs about a tenth of an average lesson's render, so each thread
    keeps one between calls. What a call produces (toc, problems) lives on its context, not
    on the instance; an instance a call left half-way (it raised) is not reused."""
    md = getattr(_idle, "md", None)
    _idle.md = None
    if md is None:
        md = markdown.Markdown(extensions=_extensions(), extension_configs=EXTENSION_CONFIGS)
    md.reset()
    md.coursebook = context
    yield md
    md.coursebook = None
    _idle.md = md


# Pass 2b: embedded frames -------------------------------------------------------------------

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


def _embeds(body, hosts, context):
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


# Pass 3: sanitising -------------------------------------------------------------------------

ALLOWED_TAGS = {
    "a", "abbr", "aside", "b", "blockquote", "br", "caption", "code", "dd", "del", "details",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "ins", "kbd", "label", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
    "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul", "var",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href", "rel", "aria-label"},
    "img": {"src", "alt", "width", "height", "loading"},
    "ol": {"start", "reversed"},
    "span": {"data-linenos"},
    "li": {"value"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "details": {"open"},
}
# A video frame runs its host's scripts in the host's own origin, never in the lesson's; it
# may go full screen and open the video on its site, nothing else.
FRAME_ATTRIBUTES = {
    "sandbox": "allow-scripts allow-same-origin allow-presentation allow-popups "
    "allow-popups-to-escape-sandbox",
    "allow": "accelerometer; encrypted-media; gyroscope; picture-in-picture; fullscreen",
    "loading": "lazy",
    # The page's own policy sends no referrer, and video hosts refuse to play without one.
    "referrerpolicy": "strict-origin-when-cross-origin",
}
_CLEANER_OPTIONS = dict(
    clean_content_tags={"script", "style"},
    url_schemes={"http", "https", "mailto"},
    link_rel=None,
    strip_comments=True,
)
_cleaner = nh3.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, **_CLEANER_OPTIONS)


@cache
def _cleaner_with_frames(hosts):
    """The cleaner for a body with iframes: those loading a page on one of `hosts` keep
    their source, with the frame attributes set; from any other source, nothing loads.
    (Checking attributes in Python costs time, so bodies without frames skip it.)"""

    def frame_source(tag, attribute, value):
        if tag == "iframe" and attribute == "src" and embed_url(value, hosts) != value:
            return None
        return value

    return nh3.Cleaner(
        tags=ALLOWED_TAGS | {"iframe"},
        attributes={**ALLOWED_ATTRIBUTES, "iframe": {"src", "width", "height", "allowfullscreen"}},
        attribute_filter=frame_source,
        set_tag_attribute_values={"iframe": FRAME_ATTRIBUTES},
        **_CLEANER_OPTIONS,
    )


def sanitise(markup, embed_hosts=frozenset()):
    """Keep only the allow-listed tags, attributes and URL schemes, and iframes only from
    `embed_hosts`."""
    if embed_hosts and IFRAME_START.search(markup):
        return _cleaner_with_frames(frozenset(embed_hosts)).clean(markup)
    return _cleaner.clean(markup)


# Bidi controls ------------------------------------------------------------------------------

# Embedding, override and isolate controls and the invisible direction marks. In a URL or a
# link's text they only serve to disguise where it leads (`invoice\u202egpj.exe` shows as
# "invoiceexe.jpg").
BIDI_CONTROLS = dict.fromkeys(
    [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
LINK_OR_IMAGE = re.compile(r"<a\b[^>]*>.*?</a>|<(?:img|iframe)\b[^>]*>", re.DOTALL)


def strip_bidi_controls(text):
    """The text without bidi control characters: for titles, labels and URL parts."""
    return text.translate(BIDI_CONTROLS)


def _strip_bidi_controls_from_links(markup):
    """Links (URL, title and text), image and frame tags without bidi controls, however
    they were written (Markdown, HTML, entities). `markup` is sanitised, so every tag is
    well formed and every <a> closed, and text outside links keeps its direction marks."""
    return LINK_OR_IMAGE.sub(lambda match: strip_bidi_controls(match[0]), markup)


# Pass 4: code blocks and tables that scroll ---------------------------------------------------
#
# Run on the sanitised HTML, so that the sanitiser need not let authors write tabindex or role:
# what is added here is fixed markup and escaped text. In nh3's output every "<" opens a tag
# (text and attribute values have theirs escaped), so these patterns only ever meet tags.

CODE_BLOCK = re.compile(
    r'<div class="language-(?P<language>[^"\s]*) highlight">'
    r'(?:<span class="filename">(?P<title>[^<]*)</span>)?<pre>'
)
TABLE_START = re.compile(r"<table(?=[\s>])")


def scrollable_blocks(markup):
    """Code blocks get a header (their title, their language) and a <pre> that the keyboard
    can reach and scroll, named for screen readers; tables get a scrolling box that can be
    reached the same way. Both scroll sideways on a narrow screen rather than the page."""
    markup = CODE_BLOCK.sub(_code_block_start, markup)
    markup = TABLE_START.sub(
        '<div class="table-scroll" tabindex="0" role="group" aria-label="Table"><table', markup
    )
    return markup.replace("</table>", "</table></div>")


def _code_block_start(match):
    alias = match.group("language")
    language = language_name(alias)
    title = html.unescape(match.group("title") or "")
    header = []
    if title:
        header.append(f'<span class="filename">{html.escape(title)}</span>')
    if language:
        header.append(f'<span class="code-language">{html.escape(language)}</span>')
    name = f"{language} code" if language else "Code"
    if title:
        name = f"{name}: {title}"
    return "".join(
        [
            f'<div class="language-{html.escape(alias)} highlight">',
            f'<div class="code-header">{"".join(header)}</div>' if header else "",
            f'<pre tabindex="0" role="group" aria-label="{html.escape(name)}">',
        ]
    )


@functools.lru_cache(maxsize=512)  # an author's own HTML may name any "language-..."
def language_name(alias):
    """Pygments' name for a fence's language ("py" -> "Python"), or "" for plain text."""
    try:
        lexer = get_lexer_by_name(alias)
    except ClassNotFound:
        return ""
    return "" if isinstance(lexer, TextLexer) else lexer.name


# The function -------------------------------------------------------------------------------


def render_markdown(
    text,
    *,
    resolve_link=None,
    resolve_image=None,
    first_line=1,
    toc_min_level=2,
    toc_max_level=3,
    embed_hosts=frozenset(),
):
    """Markdown -> Rendered(html, toc, problems); the html is already sanitised. Iframes
    loading pages on `embed_hosts` (host names) are kept; any other is a link."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = _LinePass(first_line)
    source = lines.run(text)
    context = _Context(text, first_line, resolve_link, resolve_image)
    try:
        with _markdown(context) as md:
            body = md.convert(source)
    except RecursionError:
        # Python-Markdown recurses once per nesting level; a body nested hundreds deep
        # is shown as it was written rather than failing the import.
        return _as_plain_text(text, first_line)
    toc = [entry for entry in context.toc if toc_min_level <= entry["level"] <= toc_max_level]
    embed_hosts = frozenset(host.lower() for host in embed_hosts)
    if IFRAME_START.search(body):
        body = _embeds(body, embed_hosts, context)
    problems = sorted(lines.problems + context.problems, key=lambda problem: problem.line or 0)
    markup = _strip_bidi_controls_from_links(sanitise(body, embed_hosts))
    markup = put_checkboxes(markup, context.checkboxes)
    return Rendered(html=scrollable_blocks(markup), toc=toc, problems=problems)


def _as_plain_text(text, first_line):
    problem = Problem(first_line, "nested too deeply to render; shown as plain text", "warning")
    return Rendered(html=f"<pre>{html.escape(text)}</pre>", toc=[], problems=[problem])
