"""Code blocks: in the line pass, a fence's Docusaurus meta and magic comments become
pymdownx.superfences options; after sanitising, each block gets a header (its title, its
language) and a <pre> the keyboard can reach and scroll, and so does each table."""

import functools
import html
import re

from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
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


class CodeBlock:
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


# Pass 4 runs on the sanitised HTML, so that the sanitiser need not let authors write tabindex
# or role: what is added here is fixed markup and escaped text. In nh3's output every "<" opens
# a tag (text and attribute values have theirs escaped), so these patterns only ever meet tags.

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
