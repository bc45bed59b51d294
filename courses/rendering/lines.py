"""Pass 1: the source rewritten line by line into what Python-Markdown can read.

Docusaurus admonitions (`:::tip Title` ... `:::`) become pymdownx blocks, each nesting
level with its own fence; lists are re-indented from CommonMark's content column to
Python-Markdown's four spaces; code blocks are held to their closing fence (`code`); MDX
lines go through `mdx`, whose tags open and close blocks on the same stack as admonitions.
"""

import math
import re

from courses.rendering.code import FENCE, CodeBlock
from courses.rendering.context import Problem
from courses.rendering.mdx import NOT_MDX, Mdx

# Each admonition type and the look it takes: Docusaurus shows secondary, success and important
# as note, tip and info (with their own titles).
ADMONITION_LOOKS = {
    **{kind: kind for kind in ("note", "tip", "info", "warning", "danger", "caution")},
    **{"secondary": "note", "success": "tip", "important": "info"},
}
ADMONITION_TYPES = tuple(ADMONITION_LOOKS)
MAX_NESTING = 16  # list and admonition levels; deeper ones are flattened or shown as text
# pymdownx blocks cost time that grows with the blocks before them (4,000 admonitions take
# five seconds); no lesson needs more than this many, and the rest are shown as text.
MAX_BLOCKS = 300
TAG_BLOCK = math.inf  # a block closed by its end tag, never by a run of colons

ADMONITION_OPEN = re.compile(
    r"^(?P<indent>\s*)(?P<colons>:{3,})(?P<type>[A-Za-z]+)"
    r"(?:\[(?P<bracket>[^\]]*)\]|[ \t]+(?P<title>.*?))?\s*$"
)
ADMONITION_CLOSE = re.compile(r"^\s*(?P<colons>:{3,})\s*$")
LIST_ITEM = re.compile(r"^(?P<indent> *)(?P<marker>[-*+]|(?P<number>\d{1,9})\.)(?P<gap> +|$)")
THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
# A line holding only the start or end tag of an HTML element that wraps Markdown
# (`<section>`, blank line, Markdown, `</section>`). CommonMark and MDX end the HTML at that
# line, so the Markdown inside is rendered; Python-Markdown would keep all of it raw, shown as
# text. The tag lines are left out (the sanitiser keeps none of these elements but div and
# aside, and those without the site's styles).
WRAPPER_TAG = re.compile(
    r"^ {0,3}<(?P<close>/)?(?P<name>div|section|article|main|header|footer|nav|aside|center)"
    r"(?:\s[^<>]*)?>\s*$",
    re.IGNORECASE,
)
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


class LinePass:
    """Rewrites the source line by line; knows which lines are inside code fences and which
    blocks are open (admonitions, and the blocks MDX tags open: one stack, so both nest)."""

    def __init__(self, first_line, front_matter):
        self.first_line = first_line
        self.front_matter = front_matter  # what `{frontMatter.x}` in MDX reads
        self.problems = []
        self.code = None
        self.blocks = []  # (colons that close it, indent, fence or None), innermost last
        self.blocks_opened = 0
        self.lists = _ListIndents()
        self.mdx = Mdx(self)
        self.wrappers = {}  # tag name: how many wrapper start tags were left out, not yet closed

    def run(self, text):
        out = []
        lines = text.split("\n")
        for number, line in enumerate(lines):
            rewritten = self.line(number, line)
            if rewritten is not None:
                out.append(rewritten)
        if self.code:  # as in CommonMark, an unclosed fence runs to the end
            out.append(self.code.text(self.code.indent + self.code.fence))
        if (held := self.mdx.finish(len(lines) - 1)) is not None:
            out.append(held)
        out.extend(f"\n{indent}{fence}" for _, indent, fence in reversed(self.blocks) if fence)
        return "\n".join(out)

    def warn(self, number, message):
        self.problems.append(Problem(self.first_line + number, message, "warning"))

    def line(self, number, line):
        """The line rewritten, or None while it is held inside a code block."""
        line = self.mdx.dedent(line)
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
            self.code = CodeBlock(match.group("indent"), fence, match.group("info"))
            return None
        if match := WRAPPER_TAG.match(line):
            return self.wrapper_tag(match, line)
        if match := ADMONITION_OPEN.match(line):
            return self.open_admonition(number, match) or line
        if match := ADMONITION_CLOSE.match(line):
            return self.close_admonition(match) or line
        return self.mdx.inline(line)

    def wrapper_tag(self, match, line):
        """A blank line for a wrapper's start tag, and for the end tag of one left out; else
        the line (an end tag whose start began a raw HTML block must still close it)."""
        name = match.group("name").lower()
        if line.rstrip().endswith("/>"):
            return line
        if not match.group("close"):
            self.wrappers[name] = self.wrappers.get(name, 0) + 1
            self.mdx.nest(name, closing=False, self_closing=False)
            return ""
        if self.wrappers.get(name):
            self.wrappers[name] -= 1
            self.mdx.nest(name, closing=True, self_closing=False)
            return ""
        return line

    def open_admonition(self, number, match):
        kind = match.group("type").lower()
        if kind not in ADMONITION_TYPES:
            self.warn(number, f"unknown admonition type :::{match.group('type')}")
            return None
        if len(self.blocks) >= MAX_NESTING:
            if len(self.blocks) == MAX_NESTING:
                self.warn(number, f"admonitions nested over {MAX_NESTING} deep are shown as text")
            self.blocks.append((len(match.group("colons")), "", None))
            return None
        if not self.room_for_a_block(number):
            self.blocks.append((len(match.group("colons")), "", None))
            return None
        title = match.group("bracket")
        if title is None:
            title = match.group("title")
        # Each nesting level gets its own pymdownx fence length, so an inner block never
        # closes an outer one.
        fence = "/" * (3 + len(self.blocks))
        self.blocks.append((len(match.group("colons")), match.group("indent"), fence))
        header = (
            f"{fence} {kind} | {title.strip()}" if title and title.strip() else f"{fence} {kind}"
        )
        return f"\n{match.group('indent')}{header}\n"

    def close_admonition(self, match):
        """A run of colons at least as long as the innermost opening closes it."""
        if not self.blocks or len(match.group("colons")) < self.blocks[-1][0]:
            return None
        _, indent, fence = self.blocks.pop()
        return f"\n{indent}{fence}\n" if fence else None

    def room_for_a_block(self, number):
        """Whether one more block fits in the lesson (MAX_BLOCKS); the first that does not is
        reported."""
        self.blocks_opened += 1
        if self.blocks_opened == MAX_BLOCKS + 1:
            self.warn(number, f"more than {MAX_BLOCKS} admonitions and tabs; the rest are text")
        return self.blocks_opened <= MAX_BLOCKS

    def open_block(self, number, indent, kind, argument, options=()):
        """A pymdownx block opened by an MDX tag (a tab, <details>, a component's notice)."""
        stack = self.blocks
        if len(stack) >= MAX_NESTING or not self.room_for_a_block(number):
            stack.append((TAG_BLOCK, "", None))
            return f"\n{indent}{argument}\n"
        fence = "/" * (3 + len(stack))
        stack.append((TAG_BLOCK, indent, fence))
        header = f"{fence} {kind} | {argument}" if argument else f"{fence} {kind}"
        return "\n".join([f"\n{indent}{header}", *(f"{indent}    {o}" for o in options), ""])

    def close_block(self):
        """Closes the innermost block opened by a tag, and any left open inside it."""
        stack = self.blocks
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
