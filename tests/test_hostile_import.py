"""Hostile content end to end: imported with import_content, then read as a visitor and as a
learner. Nothing an author writes, in the body or in the frontmatter, may run in a reader's
browser; HTML in titles and descriptions is shown as text.

The course is tests/fixtures/hostile-course/ (HTML in every frontmatter and _category_
text) plus one lesson per payload of tests/hostile_payloads.py, written by the test."""

import shutil
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from courses.models import Course, Lesson
from tests.hostile_payloads import HOSTILE, page_dangers
from tests.makers import make_completions

FIXTURE = Path(__file__).parent / "fixtures" / "hostile-course"

COURSE_TITLE = "<script>alert('course')</script>Hostile \"course\" & co"
COURSE_DESCRIPTION = (
    "<img src=x onerror=alert('course-description')> A course whose every text tries to break out."
)
SECTION_TITLE = "</a><svg onload=alert('section')>Frontmatter"
LESSON_TITLE = "<script>alert('title')</script> Title"
LESSON_DESCRIPTION = "\"><img src=x onerror=alert('description')> Description"
LESSON_LABEL = "<svg onload=alert('label')>Label"
QUOTE_TITLE = '" onmouseover="alert(\'quote\')" x="'
QUOTE_DESCRIPTION = "</p><iframe src=javascript:alert('iframe')></iframe>"
HEADING_TITLE = "<script>alert('heading')</script> Heading title"


def payload_lesson(payload):
    """The payload alone, then inside a list and an admonition, as authors nest things."""
    return f"## Intro\n\n{payload}\n\n- item\n\n  {payload}\n\n:::note\n{payload}\n:::\n"


@pytest.fixture
def course(db, tmp_path):
    folder = shutil.copytree(FIXTURE, tmp_path / "hostile-course")
    for number, (name, payload) in enumerate(HOSTILE.items(), start=1):
        text = f"---\ntitle: Payload {number}\ndescription: {name}\n---\n\n"
        (folder / "02-payloads" / f"payload-{number:02}.md").write_text(
            text + payload_lesson(payload), encoding="utf-8"
        )
    call_command("import_content", str(folder), stdout=StringIO(), stderr=StringIO())
    return Course.objects.get(slug="hostile-course")


class _Texts(HTMLParser):
    """The text of every element of one tag (and class), entities decoded."""

    def __init__(self, tag, class_name):
        super().__init__(convert_charrefs=True)
        self.tag, self.class_name = tag, class_name
        self.depth = 0
        self.texts = []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += tag == self.tag
        elif tag == self.tag and self.class_name in (None, dict(attrs).get("class")):
            self.depth = 1
            self.texts.append("")

    def handle_endtag(self, tag):
        if self.depth and tag == self.tag:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.texts[-1] += data


def texts(html, tag, class_name=None):
    parser = _Texts(tag, class_name)
    parser.feed(html)
    parser.close()
    return [text.strip() for text in parser.texts]


class _Scripts(HTMLParser):
    """Each <script>'s src and text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append([dict(attrs).get("src") or "", ""])
            self.in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script:
            self.scripts[-1][1] += data.strip()


# The admin brings its own forms, icons and scripts.
ADMIN_CHROME = {
    "<form>",
    "<button>",
    "<select>",
    "<textarea>",
    "enabled <input>",
    "<svg>",
    "<use>",
}


def admin_dangers(html):
    """On top of the attribute checks, every script must load a file of the site's own."""
    found = [item for item in page_dangers(html) if item not in ADMIN_CHROME | {"<script>"}]
    parser = _Scripts()
    parser.feed(html)
    parser.close()
    return found + [
        f"<script src={src!r}>{body}"
        for src, body in parser.scripts
        if body or not (src.startswith("/static/") or src == reverse("admin:jsi18n"))
    ]


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_page_checkers_spot_injected_markup_but_not_the_sites_own():
    site = (
        '<head><meta charset="utf-8"><link rel="stylesheet" href="/static/x.css">'
        '<link rel="icon" href="/static/i.svg"><script src="/static/t.js"></script></head>'
        '<header><form method="post" action="/accounts/logout/"><input type="hidden">'
        '<button type="submit">Sign out</button></form>'
        '<button type="button"><svg><path d="M0 0"/></svg></button></header>'
        '<main><form method="post" action="/done/"><button type="submit">Done</button></form>'
    )
    assert page_dangers(site + "</main>", form_actions=["/done/"]) == []
    searching = '<form method="get" action="/search/"><input type="search"></form>'
    assert page_dangers(site + searching + "</main>", form_actions=["/done/"]) == []
    injected = (
        '<form method="post" action="/x/"><input name="a"></form>'
        '<form method="get" action="//evil.example/"></form><img src=x onerror=y>'
        '<script src="/static/t.js"></script><svg></svg><button>x</button>'
        '<link rel="icon" href="/static/i.svg"></main>'
    )
    assert page_dangers(site + injected, form_actions=["/done/"]) == [
        "<form>",
        "enabled <input>",
        "<form>",
        "img[onerror]",
        "<script>",
        "<svg>",
        "<button>",
        "<link>",
    ]
    assert admin_dangers('<script src="/static/a.js"></script><script>alert(1)</script>') == [
        "<script src=''>alert(1)"
    ]


def test_every_payload_became_a_published_lesson(course):
    assert course.lessons.published().count() == len(HOSTILE) + 3


def test_no_payload_survives_in_any_lesson_page(client, course):
    found = {
        lesson.path: page_dangers(page(client, lesson.get_absolute_url()))
        for lesson in Lesson.objects.filter(course=course)
    }
    assert {path: dangers for path, dangers in found.items() if dangers} == {}


def test_course_page_and_catalogue_show_hostile_names_as_text(client, course):
    for url in (course.get_absolute_url(), reverse("courses:catalogue")):
        html = page(client, url)
        assert page_dangers(html) == []
        assert COURSE_TITLE in texts(html, "h1") + texts(html, "h2") + texts(html, "a")
    html = page(client, course.get_absolute_url())
    assert texts(html, "h1") == [COURSE_TITLE]
    assert COURSE_DESCRIPTION in texts(html, "p", "lesson-description")
    assert any(SECTION_TITLE in text for text in texts(html, "main"))


def test_html_in_frontmatter_is_shown_as_text_on_the_lesson_page(client, course):
    html = page(client, reverse("courses:lesson", args=[course.slug, "frontmatter/html-in-title"]))
    assert texts(html, "h1") == [LESSON_TITLE]
    assert texts(html, "title") == [f"{LESSON_TITLE} · {COURSE_TITLE} · Coursebook"]
    assert texts(html, "p", "lesson-description") == [LESSON_DESCRIPTION]
    assert any(LESSON_LABEL in text for text in texts(html, "nav"))
    on_this_page = texts(html, "aside", "lesson-toc")[0]
    assert "<img src=x onerror=alert('toc')> A heading with a tag in it" in on_this_page


def test_quotes_in_frontmatter_do_not_break_out_of_attributes(client, course):
    html = page(
        client, reverse("courses:lesson", args=[course.slug, "frontmatter/quote-breakout"])
    )
    assert page_dangers(html) == []
    assert texts(html, "h1") == [QUOTE_TITLE]
    assert texts(html, "p", "lesson-description") == [QUOTE_DESCRIPTION]


def test_html_in_a_leading_heading_title_is_shown_as_text(client, course):
    html = page(client, reverse("courses:lesson", args=[course.slug, "frontmatter/heading-title"]))
    assert texts(html, "h1") == [HEADING_TITLE]


def test_learner_pages_and_messages_show_hostile_titles_as_text(learner_client, course):
    lesson = Lesson.objects.get(course=course, path="frontmatter/html-in-title")
    complete = reverse("learners:complete", args=[course.slug, lesson.path])
    next_lesson = Lesson.objects.get(course=course, order=lesson.order + 1)
    response = learner_client.post(complete, follow=True)
    assert response.redirect_chain == [(next_lesson.get_absolute_url(), 302)]
    html = response.content.decode()
    forms = [
        reverse("learners:complete", args=[course.slug, next_lesson.path]),
        reverse("learners:incomplete", args=[course.slug, next_lesson.path]),
    ]
    assert page_dangers(html, form_actions=forms) == []
    assert f"“{LESSON_TITLE}” completed." in texts(html, "p", "message message--success")

    dashboard = page(learner_client, reverse("learners:dashboard"))
    assert page_dangers(dashboard) == []
    assert any(LESSON_TITLE in text for text in texts(dashboard, "main"))


def test_admin_pages_show_hostile_content_as_text(editor_client, editor, course):
    lesson = Lesson.objects.get(course=course, path="frontmatter/html-in-title")
    make_completions(editor, [lesson])
    urls = [
        reverse("admin:courses_course_changelist"),
        reverse("admin:courses_course_change", args=[course.pk]),
        reverse("admin:courses_course_progress", args=[course.pk]),
        reverse("admin:courses_section_changelist"),
        reverse("admin:courses_lesson_changelist"),
        reverse("admin:courses_lesson_change", args=[lesson.pk]),
        reverse("admin:learners_completion_changelist"),
    ]
    assert {url: admin_dangers(page(editor_client, url)) for url in urls} == dict.fromkeys(
        urls, []
    )
