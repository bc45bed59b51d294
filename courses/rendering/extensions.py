"""Pass 2: Python-Markdown with an explicit extension list, and the instance each thread
keeps between renders."""

import threading
import xml.etree.ElementTree as etree
from contextlib import contextmanager

import markdown
from markdown.inlinepatterns import SimpleTagInlineProcessor
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markdown.util import AtomicString
from pygments.style import Style, StyleMeta
from pymdownx.blocks import BlocksExtension
from pymdownx.blocks.admonition import Admonition
from pymdownx.blocks.block import Block
from pymdownx.blocks.details import Details
from pymdownx.highlight import Highlight, HighlightExtension

from courses.rendering.bounded import BoundedParsingExtension
from courses.rendering.headings import Headings
from courses.rendering.lines import ADMONITION_LOOKS
from courses.rendering.links import LinkResolver
from courses.rendering.tasklists import TaskListExtension


class _NoTokenStyles(StyleMeta):
    """A style's class, listing no style for any token type."""

    def __iter__(cls):
        return iter(())


class _ClassesOnlyStyle(Style, metaclass=_NoTokenStyles):
    """Highlighting writes CSS classes only (the stylesheet is static), so the formatter
    gets a style with nothing to build: for every code block, Pygments would otherwise turn
    a style for each of its token types into CSS (0.2 ms a block) that nothing prints."""


ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def _extensions():
    return [
        "markdown.extensions.tables",
        "markdown.extensions.footnotes",
        _HighlightExtension(
            css_class="highlight",
            use_pygments=True,
            guess_lang=False,
            pygments_lang_class=True,
            pygments_style=_ClassesOnlyStyle,
            # Line numbers drawn by CSS from data-linenos: one <pre> per block, and copying
            # the code copies no numbers.
            linenums_style="pymdownx-inline",
        ),
        "pymdownx.superfences",
        TaskListExtension(),
        _AdmonitionsExtension(),
        _MdxBlocksExtension(),
        _CoursebookExtension(),
        BoundedParsingExtension(),
    ]


EXTENSION_CONFIGS = {"markdown.extensions.tables": {"use_align_attribute": True}}

# The lexers found so far, by what finds them; a limit keeps a course that names thousands
# of languages from filling memory.
_lexers = {}
KEPT_LEXERS = 256


class _Highlight(Highlight):
    """pymdownx's highlighter, finding each language's Pygments lexer once: Pygments looks a
    name up by going through every lexer it has (up to 0.1 ms a code block). With guessing
    off, the lexer follows from the language and options alone, and it keeps no state
    between the code it reads."""

    def get_lexer(self, src, language, inline, stripnl):
        key = (language, inline, stripnl)
        found = _lexers.get(key)
        if found is None:
            found = super().get_lexer(src, language, inline, stripnl)
            if len(_lexers) < KEPT_LEXERS:
                _lexers[key] = found
        return found


class _HighlightExtension(HighlightExtension):
    def get_pymdownx_highlighter(self):
        return _Highlight


# For each inline pattern, by name, the characters of which every match holds one.
INLINE_PATTERN_TRIGGERS = {
    "backtick": "`",
    "escape": "\\",
    "footnote": "[",
    "reference": "[",
    "link": "[",
    "image_link": "[",
    "image_reference": "[",
    "short_reference": "[",
    "short_image_ref": "[",
    "autolink": "<",
    "automail": "<",
    "linebreak": "\n",
    "html": "<",
    "entity": "&",
    "strikethrough": "~",
    "em_strong": "*_",
}


class _InlinePass(InlineProcessor):
    """Python-Markdown's inline pass, trying a pattern only on text that holds a character
    every match of it needs. Python-Markdown tries each of the 16 patterns on every piece of
    text, several Python calls a try, though most pieces hold no character most patterns
    start with: skipping those takes about 15 % off a lesson's render."""

    patterns = None  # [(pattern, its triggers or None)] in order, once every one is registered

    def run(self, tree, ancestors=None):
        if self.patterns is None:
            registry = self.inlinePatterns
            triggers = {
                registry.get_index_for_name(name): chars
                for name, chars in INLINE_PATTERN_TRIGGERS.items()
                if name in registry
            }
            self.patterns = [(pattern, triggers.get(i)) for i, pattern in enumerate(registry)]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data, patternIndex=0):  # noqa: N802, N803
        # Python-Markdown's own loop (markdown.treeprocessors.InlineProcessor.__handleInline),
        # with the pattern skipped when the text holds none of its triggers.
        if isinstance(data, AtomicString):
            return data
        start = 0
        while patternIndex < len(self.patterns):
            pattern, triggers = self.patterns[patternIndex]
            if triggers is None or any(char in data for char in triggers):
                data, matched, start = self._InlineProcessor__applyPattern(
                    pattern, data, patternIndex, start
                )
                if matched:
                    continue
            start = 0
            patternIndex += 1
        return data


_idle = threading.local()


@contextmanager
def markdown_for(context):
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


class _Aside(Admonition):
    """A Docusaurus admonition: <aside class="admonition tip"> with its title."""

    def on_create(self, parent):
        element = super().on_create(parent)
        element.tag = "aside"
        return element


class _AdmonitionsExtension(BlocksExtension):
    def extendMarkdownBlocks(self, md, block_mgr):
        for kind, look in ADMONITION_LOOKS.items():
            block_mgr.register(
                type(
                    kind.title(),
                    (_Aside,),
                    {"OPTIONS": {}, "NAME": kind, "DEF_TITLE": kind.title(), "DEF_CLASS": look},
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
        # CommonMark (and MDX) let a backslash escape any ASCII punctuation, `\<T>` too;
        # Python-Markdown escapes only some and would show the backslash before the rest.
        md.ESCAPED_CHARS.extend(c for c in ASCII_PUNCTUATION if c not in md.ESCAPED_CHARS)
        md.treeprocessors.register(_InlinePass(md), "inline", 20)
        md.treeprocessors.register(Headings(md), "coursebook_headings", 5)
        md.treeprocessors.register(LinkResolver(md), "coursebook_links", 1)
        md.treeprocessors.register(_EmptyHeaderCells(md), "coursebook_empty_headers", 1)
        strikethrough = SimpleTagInlineProcessor(r"(~~)(?=\S)(.+?)(?<=\S)~~", "del")
        md.inlinePatterns.register(strikethrough, "strikethrough", 65)
