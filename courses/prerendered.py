"""Reading pages rendered once per course version, with holes for what is the reader's own.

Almost all of a lesson or course page is the same for everyone until the course changes: the
header, the outline, the lesson's text, its table of contents. What is the reader's own is
small: their name and CSRF token, a flash message, checkmarks and counts, where Continue goes.
So `render_page` renders a page's normal template once per course version and per *facts*
about the reader (signed in or not, staff or not, and the page's own, such as whether this
lesson is done), with a *hole* wherever the template prints one of the reader's *values*. The
page is kept in this process. Each later request with the same facts works out only the values
and fills the holes: no template is rendered.

The templates stay the only source of markup. With PRERENDERED_PAGES off (as under DEBUG),
every request renders the whole template with the same facts and values, and the page comes
out the same (tests/test_prerendered.py compares the two for every kind of reader).

So a template may print a reader's value only as it is (`{{ reader.done }}`), never test it or
pass it through a filter: the page is rendered before the value is known. What a template
tests must be a fact. The values of the request itself follow the same rule in base.html:
`user.get_username`, `csrf_token`, `login_next` and `messages_html`.
"""

import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.defaultfilters import urlencode
from django.template.loader import get_template, render_to_string
from django.utils.html import conditional_escape

from config.context_processors import site

# The memory a process gives to prerendered pages; the least recently used go first.
KEPT_PAGE_BYTES = 32 * 1024 * 1024


@dataclass
class Reader:
    """What a page shows of the person reading it: the `facts` it is rendered for, and the
    `values` that fill its holes: plain values, or functions called only when printed."""

    facts: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)


def login_next(request):
    """This page's address, for the `?next=` of a sign-in link."""
    return urlencode(request.get_full_path())


def messages_html(request):
    """The flash messages waiting for this request, shown (and so used up) once."""
    messages = get_messages(request)
    if not messages:
        return ""
    return render_to_string("_messages.html", {"messages": messages})


def request_values(request):
    """Context processor: the request's own values that base.html prints."""
    return {
        "login_next": partial(login_next, request),
        "messages_html": partial(messages_html, request),
    }


# The request's own values, by the name a template prints them under.
REQUEST_VALUES = {
    "user.get_username": lambda request: request.user.get_username(),
    "csrf_token": get_token,
    "login_next": login_next,
    "messages_html": messages_html,
}


class Hole:
    """Where a prerendered page prints a value it does not know yet."""

    def __init__(self, marker):
        self.marker = marker

    def __str__(self):
        return self.marker

    __html__ = __str__


class PrerenderedPage:
    """A template's output for one course version and one set of facts, cut at its holes:
    UTF-8 `pieces` of markup, with the name of the value due between each two."""

    def __init__(self, template_name, context, user, reader):
        nonce = secrets.token_hex(8)
        names = [*REQUEST_VALUES, *(f"reader.{name}" for name in reader.values)]
        holes = {name: Hole(f"\ue000{nonce}:{number}\ue001") for number, name in enumerate(names)}
        reader_holes = {name: holes[f"reader.{name}"] for name in reader.values}
        context = {
            **context,
            **site(None),
            **{name: holes[name] for name in REQUEST_VALUES if "." not in name},
            "user": {
                "is_authenticated": user.is_authenticated,
                "is_staff": user.is_staff,
                "get_username": holes["user.get_username"],
            },
            "reader": {**reader.facts, **reader_holes},
        }
        html = get_template(template_name).render(context)
        parts = re.split(f"\ue000{nonce}:(\\d+)\ue001", html)
        self.pieces = [piece.encode() for piece in parts[::2]]
        self.names = [names[int(number)] for number in parts[1::2]]
        if any(nonce.encode() in piece for piece in self.pieces):
            raise ValueError(
                f"{template_name} passes a reader's value through a filter: "
                "only facts may be filtered or tested (see courses/prerendered.py)."
            )
        self.size = sum(len(piece) for piece in self.pieces)

    def fill(self, request, reader):
        """The page with this request's values in its holes, escaped as the template would."""
        values = {}
        out = [self.pieces[0]]
        for name, piece in zip(self.names, self.pieces[1:], strict=True):
            if name not in values:
                if name.startswith("reader."):
                    value = reader.values[name.removeprefix("reader.")]
                    value = value() if callable(value) else value
                else:
                    value = REQUEST_VALUES[name](request)
                values[name] = conditional_escape(value).encode()
            out += [values[name], piece]
        return b"".join(out)


class KeptPages:
    """This process's prerendered pages, the most recently used first, up to `max_bytes`."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.pages = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def keep(self, key, page):
        with self.lock:
            if key in self.pages:
                self.bytes -= self.pages.pop(key).size
            self.pages[key] = page
            self.bytes += page.size
            while self.bytes > self.max_bytes and len(self.pages) > 1:
                self.bytes -= self.pages.popitem(last=False)[1].size

    def clear(self):
        with self.lock:
            self.pages.clear()
            self.bytes = 0


kept_pages = KeptPages(KEPT_PAGE_BYTES)


def render_page(request, template_name, *, key, content, reader):
    """The page for this request. `content()` gives the context every reader shares, and is
    called only when the page must be rendered; `key` names that content, and must change
    with it (a course's version changes on every import and admin save); `reader` is what the
    page shows of the person reading it."""
    if not settings.PRERENDERED_PAGES:
        return render(
            request, template_name, {**content(), "reader": {**reader.facts, **reader.values}}
        )
    user = request.user
    facts = (user.is_authenticated, user.is_staff, *sorted(reader.facts.items()))
    page = kept_pages.get((template_name, key, facts))
    if page is None:
        page = PrerenderedPage(template_name, content(), user, reader)
        kept_pages.keep((template_name, key, facts), page)
    return HttpResponse(page.fill(request, reader))
