"""Whatever an author writes, the rendered lesson carries no script, no event handler and
no script-capable URL. Checked by parsing the output, not by searching it for strings."""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from courses.rendering import render_markdown

HOSTILE = {
    "script tag": "<script>alert(1)</script>",
    "script tag split over lines": "<script\n>alert(1)</script\n>",
    "script inside markdown emphasis": "*<script>alert(1)</script>*",
    "uppercase script": "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "img onerror": '<img src="x" onerror="alert(1)">',
    "svg onload": "<svg onload=alert(1)><circle r=1 /></svg>",
    "svg script": "<svg><script>alert(1)</script></svg>",
    "svg animate href": '<svg><a><animate attributeName="href" to="javascript:alert(1)"/>'
    "<text>x</text></a></svg>",
    "svg use data": '<svg><use href="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0Pg=="/></svg>',
    "mathml href": '<math><mtext><a href="javascript:alert(1)">x</a></mtext></math>',
    "mathml maction": '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">'
    "x</maction></math>",
    "markdown javascript link": "[click](javascript:alert(1))",
    "markdown mixed-case scheme": "[click](JaVaScRiPt:alert(1))",
    "markdown entity-encoded scheme": "[click](jav&#x61;script:alert(1))",
    "markdown decimal entity scheme": "[click](&#106;avascript:alert(1))",
    "markdown tab inside scheme": "[click](java\tscript:alert(1))",
    "markdown vbscript link": "[click](vbscript:msgbox(1))",
    "markdown data link": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "markdown javascript image": "![x](javascript:alert(1))",
    "markdown data image": "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "reference link to javascript": "[click][evil]\n\n[evil]: javascript:alert(1)",
    "autolink javascript": "<javascript:alert(1)>",
    "html link javascript": '<a href="javascript:alert(1)">x</a>',
    "html link entity scheme": '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "html link leading space": '<a href="  javascript:alert(1)">x</a>',
    "style element": "<style>body { background: url(javascript:alert(1)) }</style>",
    "style attribute": '<p style="background:url(javascript:alert(1))">x</p>',
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "iframe srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "object": '<object data="javascript:alert(1)"></object>',
    "embed": '<embed src="javascript:alert(1)">',
    "form with action": '<form action="javascript:alert(1)"><button>go</button></form>',
    "button formaction": '<button formaction="javascript:alert(1)">go</button>',
    "input formaction": '<input type="submit" formaction="javascript:alert(1)">',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "base href": '<base href="javascript:alert(1)//">',
    "link title breakout": '[x](https://example.com "a\\" onmouseover=\\"alert(1)")',
    "link title quote breakout": "[x](https://example.com 'a\" onmouseover=\"alert(1)')",
    "image alt breakout": '![a" onerror="alert(1)](https://example.com/x.png)',
    "image title breakout": '![a](https://example.com/x.png "t\\" onerror=\\"alert(1)")',
    "attr_list event handler": "## Heading {onclick=alert(1)}",
    "attr_list style": "Paragraph\n{: style='position:fixed' onmouseover='alert(1)' }",
    "fence attribute handler": '```{.python onclick="alert(1)"}\nx = 1\n```',
    "admonition title script": ":::tip <img src=x onerror=alert(1)>\nbody\n:::",
    "admonition bracket title": ":::note[<script>alert(1)</script>]\nbody\n:::",
    "code title breakout": '```py title="a\\" onload=\\"alert(1)"\nx\n```',
    "footnote with script": "x[^1]\n\n[^1]: <script>alert(1)</script>",
    "table cell handler": '| a |\n|---|\n| <b onclick="alert(1)">x</b> |',
    "details ontoggle": "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "noscript mutation": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "comment breakout": "<!--><img src=x onerror=alert(1)>-->",
    "jsx expression handler": "<Tabs onClick={() => alert(1)}>\n\n</Tabs>",
    "task list checkbox handler": '- [ ] <input onfocus="alert(1)" autofocus>',
}

URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "background",
    "data", "cite", "longdesc", "lowsrc", "dynsrc", "to", "from", "values", "content",
}  # fmt: skip
FORBIDDEN_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "button", "base", "meta", "link", "svg", "math", "animate", "set", "use", "noscript",
    "template", "textarea", "select",
}  # fmt: skip
UNSAFE_SCHEME = re.compile(r"^(?:javascript|vbscript|data):")


class _Findings(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "formaction", "srcdoc"}:
                self.found.append(f"{tag}[{name}]")
            if name in URL_ATTRIBUTES and _unsafe_url(value or ""):
                self.found.append(f"{tag}[{name}={value!r}]")
        if tag == "input" and ("disabled", "disabled") not in attrs:
            self.found.append("enabled <input>")

    handle_startendtag = handle_starttag


def _unsafe_url(value):
    """As a browser's URL parser reads it: leading and trailing controls and spaces are
    trimmed, and tabs and newlines anywhere are ignored."""
    url = re.sub(r"[\t\n\r]", "", value.strip("".join(map(chr, range(0x21)))))
    return bool(UNSAFE_SCHEME.match(url.lower()))


def dangers(html):
    parser = _Findings()
    parser.feed(html)
    parser.close()
    return parser.found


def _render(text):
    return render_markdown(
        text,
        resolve_link=lambda target: "/courses/c/lesson/",
        resolve_image=lambda src: "/courses/c/assets/abc/x.png",
    ).html


def test_the_checker_spots_what_it_looks_for():
    assert dangers('<a href=" JaVa\tScript:x">x</a><img src=x onerror=y><script></script>') == [
        "a[href=' JaVa\\tScript:x']",
        "img[onerror]",
        "<script>",
    ]


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_payload_leaves_nothing_that_can_run(payload):
    assert dangers(_render(payload)) == []


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_payload_is_defused_inside_a_real_lesson(payload):
    lesson = f"## Intro\n\nSome text.\n\n{payload}\n\n- a list\n\n:::note\n{payload}\n:::\n"
    assert dangers(_render(lesson)) == []


def test_the_corpus_has_at_least_thirty_payloads():
    assert len(HOSTILE) >= 30


MARKDOWN_PIECES = [
    "\n",
    "\n\n",
    "# ",
    "## ",
    "- ",
    "  - ",
    "1. ",
    "> ",
    "*",
    "**",
    "`",
    "```\n",
    '```py title="x" {1}\n',
    ":::tip ",
    ":::note[",
    "]",
    "\n:::\n",
    "::::warning\n",
    "[",
    "](",
    ")",
    "![",
    "<",
    ">",
    '"',
    "'",
    "&",
    "&#x61;",
    "{",
    "}",
    "|",
    "[^1]",
    "[^1]: ",
    "- [ ] ",
    "./other.md",
    "#anchor",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=12),
            st.sampled_from(MARKDOWN_PIECES),
            st.sampled_from(list(HOSTILE.values())),
        ),
        max_size=25,
    )
)
def test_arbitrary_markdown_with_hostile_fragments_never_yields_runnable_html(pieces):
    assert dangers(_render("".join(pieces))) == []
