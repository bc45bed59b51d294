"""Bounded parsing: the look-aheads that make Python-Markdown quadratic, stopped early.

Python-Markdown reads some shapes in quadratic time: for every "[" it looks for the closing
"]" up to the end of the paragraph, for every "](" the closing ")", and its HTML reader looks
for the end of every "<tag" up to the end of the document. A paragraph of 10,000 "[" took
15 seconds. These subclasses stop each look-ahead after a fixed number of the characters
that matter, so every character is looked at a bounded number of times; what they give up
on (a link text holding more than 32 brackets, a link target with more than 32 brackets or
quotes) stays text, as an unclosed bracket does.
"""

import re

import markdown
from markdown import blockprocessors, inlinepatterns
from markdown.htmlparser import HTMLExtractor, htmlparser
from markdown.preprocessors import HtmlBlockPreprocessor

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


class BoundedParsingExtension(markdown.Extension):
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
