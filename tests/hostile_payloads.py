"""Hostile Markdown and HTML payloads, and a checker that parses HTML for anything that
could run: shared by the renderer's tests and the end-to-end import tests."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

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
    "video iframe with srcdoc, handler and its own sandbox": "<iframe "
    'src="https://www.youtube.com/embed/x" srcdoc="<script>alert(1)</script>" onload="alert(1)" '
    'sandbox="allow-top-navigation allow-scripts allow-same-origin"></iframe>',
    "iframe on a look-alike video host": '<iframe src="https://www.youtube.com.evil.example/x">'
    "</iframe>",
    "iframe with credentials before a video host": '<iframe src="https://www.youtube.com@evil.'
    'example/"></iframe>',
    "iframe javascript on a video host": '<iframe src="javascript://www.youtube.com/%0aalert(1)">'
    "</iframe>",
    "iframe inside an image's alt text": '<img alt="<iframe src=https://www.youtube.com/embed/x '
    'onload=alert(1)>" src="x.png">',
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
# The default COURSEBOOK_EMBED_HOSTS: a frame may load these, sandboxed, and nothing else.
VIDEO_HOSTS = frozenset(
    {"www.youtube.com", "youtube.com", "www.youtube-nocookie.com", "youtube-nocookie.com"}
    | {"player.vimeo.com"}
)
ESCAPING_SANDBOX = {"allow-top-navigation", "allow-forms", "allow-modals", "allow-downloads"}


class _Findings(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS and not (tag == "iframe" and _sandboxed_video(dict(attrs))):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "formaction", "srcdoc"}:
                self.found.append(f"{tag}[{name}]")
            if name in URL_ATTRIBUTES and _unsafe_url(value or ""):
                self.found.append(f"{tag}[{name}={value!r}]")
        if tag == "input" and "disabled" not in dict(attrs):
            self.found.append("enabled <input>")

    handle_startendtag = handle_starttag


def _sandboxed_video(attrs):
    """A frame loading a video host's page over https, sandboxed without the permissions
    that would let it act on the lesson's page."""
    src = attrs.get("src") or ""
    sandbox = (attrs.get("sandbox") or "").split()
    return (
        src.startswith("https://")
        and urlsplit(src).netloc in VIDEO_HOSTS
        and "sandbox" in attrs
        and not ESCAPING_SANDBOX & set(sandbox)
    )


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


class _PageFindings(_Findings):
    """A whole page: the site's own <meta>, stylesheet and icon <link>s and <script>s from
    /static/ in <head>, the header's icons and buttons, its forms outside <main> (sign out,
    search), and inside <main> those posting to `form_actions` or searching this site (GET
    to a local path), with their buttons and inputs, are allowed. Attributes are checked
    everywhere."""

    def __init__(self, form_actions):
        super().__init__()
        self.form_actions = set(form_actions)
        self.in_main = False
        self.in_head = False
        self.in_header = False
        self.in_site_form = False

    def handle_starttag(self, tag, attrs):
        before = len(self.found)
        super().handle_starttag(tag, attrs)
        if self._is_site_chrome(tag, dict(attrs)):
            chrome = {f"<{tag}>", "enabled <input>"}
            self.found[before:] = [item for item in self.found[before:] if item not in chrome]
        if tag == "main":
            self.in_main = True
        if tag in ("head", "header") and not self.in_main:
            setattr(self, f"in_{tag}", True)
        if tag == "form":
            self.in_site_form = self._is_site_chrome(tag, dict(attrs))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_site_form = False
        if tag == "main":
            self.in_main = False
        if tag in ("head", "header"):
            setattr(self, f"in_{tag}", False)

    def _is_site_chrome(self, tag, attrs):
        if tag == "meta":
            return set(attrs) <= {"charset", "name", "content"}
        if tag == "link":
            rel, href = attrs.get("rel"), attrs.get("href") or ""
            return self.in_head and rel in ("stylesheet", "icon") and href.startswith("/static/")
        if tag == "script":
            return self.in_head and (attrs.get("src") or "").startswith("/static/")
        if tag in ("svg", "button") and self.in_header:
            return True
        if tag == "form":
            action = attrs.get("action") or ""
            return (
                not self.in_main
                or action in self.form_actions
                or (attrs.get("method") == "get" and re.match(r"/(?![/\\])", action))
            )
        return tag in {"button", "input"} and self.in_site_form


def page_dangers(html, form_actions=()):
    """What `dangers` finds in a whole page, apart from the site's own head and forms."""
    parser = _PageFindings(form_actions)
    parser.feed(html)
    parser.close()
    return parser.found
