"""Pass 3: nh3 keeps only the allow-listed tags, attributes and URL schemes, so whatever the
author wrote, no script can reach the page; then no bidi control is left to disguise a link."""

import re
from functools import cache

import nh3

from courses.rendering.embeds import IFRAME_START, embed_url

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
    """The text without bidi control characters: for titles, labels and URL parts. (ASCII
    text has none, and most text is ASCII: telling costs under a tenth of translating.)"""
    return text if text.isascii() else text.translate(BIDI_CONTROLS)


def strip_bidi_controls_from_links(markup):
    """Links (URL, title and text), image and frame tags without bidi controls, however
    they were written (Markdown, HTML, entities). `markup` is sanitised, so every tag is
    well formed and every <a> closed, and text outside links keeps its direction marks."""
    return LINK_OR_IMAGE.sub(lambda match: strip_bidi_controls(match[0]), markup)
