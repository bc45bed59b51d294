"""Reading pages rendered once per course version and filled in per request
(courses/prerendered.py) come out exactly as the plain templates render them, for every kind
of reader, and never lag behind an import, an admin save, a completion or a reset."""

import re
import shutil

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from courses.models import Lesson
from courses.prerendered import PrerenderedPage, Reader, kept_pages
from courses.rendering import render_markdown
from learners.models import Completion, User
from tests.conftest import PASSWORD
from tests.makers import (
    lessons_of,
    make_checklist_lesson,
    make_completions,
    make_course,
    make_course_with_lessons,
    make_lesson,
    make_section,
)
from tests.test_admin import FIXTURE, import_content, save_lesson

pytestmark = pytest.mark.django_db

BODY = """Attention lets a model weigh every token against every other.

## How it works

A score for each pair of tokens, then a softmax.

```python title="attention.py"
scores = queries @ keys.T
```

| Part | Role |
|---|---|
| query | asks |
"""
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def site(monkeypatch):
    """A course of two sections with a rendered lesson, a checklist and an unlisted lesson; a
    course large enough to fold its outline (4 lessons fold here); a course whose front page
    is a lesson; and readers at every stage."""
    monkeypatch.setattr("courses.outline_html.FULL_OUTLINE_LESSONS", 4)
    monkeypatch.setattr("courses.views.SEARCH_RESULTS_PER_PAGE", 2)
    course = make_course(slug="attention", title="Attention", description="How models attend.")
    basics = make_section(course, slug="basics", title="Basics", order=0)
    deeper = make_section(course, slug="deeper", title="Deeper", order=1, description="More.")
    rendered = render_markdown(BODY)
    make_lesson(
        course,
        basics,
        slug="scores",
        title="Attention scores",
        order=0,
        description="Scores & softmax <b>not bold</b>",
        body_markdown=BODY,
        body_html=rendered.html,
        toc=rendered.toc,
    )
    make_lesson(course, basics, slug="heads", title="Attention heads", order=1)
    make_checklist_lesson(
        course,
        ["I can explain attention", "[x] I read the intro"],
        slug="self-check",
        order=2,
        section=deeper,
    )
    make_lesson(
        course, deeper, slug="aside", title="An aside on attention", order=3, unlisted=True
    )
    make_lesson(course, deeper, slug="last", title="Last attention lesson", order=4)
    big = make_course_with_lessons(count=6, slug="big-course", sections=3)
    front = make_course(slug="front", title="Front")
    make_lesson(front, slug="index", title="Welcome to attention", path="", order=0)
    make_lesson(front, slug="next", title="Next", order=1)

    lessons = lessons_of(course)
    readers = {"visitor": None}
    for name, done, staff in [
        ("learner", lessons[:1], False),
        ("staff", lessons[:2], True),
        ("finishing", [lesson for lesson in lessons if lesson.path != "deeper/last"], False),
        ("stale", lessons[:2], False),
        ("flash", lessons[:1], False),
    ]:
        user = User.objects.create_user(name, f"{name}@example.com", PASSWORD, is_staff=staff)
        make_completions(user, done)
        make_completions(user, lessons_of(big)[:2])
        readers[name] = user
    Completion.objects.filter(user=readers["stale"], lesson=lessons[0]).update(content_hash="old")
    return {"course": course, "big": big, "front": front, "readers": readers}


def urls(site):
    course, big, front = site["course"], site["big"], site["front"]
    search = reverse("courses:search")
    return [
        *(lesson.get_absolute_url() for lesson in lessons_of(course)),
        course.get_absolute_url(),
        f"{course.get_absolute_url()}?utm=a&b=<c>",
        big.get_absolute_url(),
        f"{big.get_absolute_url()}?section={big.sections.last().pk}",
        lessons_of(big)[3].get_absolute_url(),
        front.get_absolute_url(),
        search,
        f"{search}?q=attention",
        f"{search}?q=attention&page=2",
        f"{search}?q=attention&course={course.slug}",
        f"{search}?q=nothing+like+it",
        f"{search}?q=%3Cscript%3E&course={course.slug}",
    ]


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def with_flash_message(client, text):
    """A message waiting in the browser's cookie, as after a form posted to the site."""
    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    response = HttpResponse()
    storage._store([Message(constants.SUCCESS, text)], response)
    client.cookies["messages"] = response.cookies["messages"].value


def fetch(client, url, settings, *, prerendered, flash):
    settings.PRERENDERED_PAGES = prerendered
    if flash:
        with_flash_message(client, "“Attention scores” completed.")
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def same_page(response):
    """What a reader gets, but the CSRF token, which is new on every request."""
    return (
        response["Content-Type"],
        sorted(response.cookies),
        CSRF_TOKEN.sub('name="csrfmiddlewaretoken" value="…"', response.content.decode()),
    )


@pytest.mark.parametrize("reader", ["visitor", "learner", "staff", "finishing", "stale", "flash"])
def test_prerendered_pages_are_the_plain_templates_pages(site, settings, reader):
    client = client_for(site["readers"][reader])
    for url in urls(site):
        fast = fetch(client, url, settings, prerendered=True, flash=reader == "flash")
        again = fetch(client, url, settings, prerendered=True, flash=reader == "flash")
        plain = fetch(client, url, settings, prerendered=False, flash=reader == "flash")
        assert same_page(fast) == same_page(plain), url
        assert same_page(again) == same_page(plain), url


def test_a_page_rendered_for_one_reader_is_filled_in_for_another(site, settings):
    learner, flash = site["readers"]["learner"], site["readers"]["flash"]
    url = lessons_of(site["course"])[1].get_absolute_url()
    fetch(client_for(learner), url, settings, prerendered=True, flash=False)
    kept = len(kept_pages.pages)
    other = fetch(client_for(flash), url, settings, prerendered=True, flash=False)
    assert len(kept_pages.pages) == kept
    plain = fetch(client_for(flash), url, settings, prerendered=False, flash=False)
    assert same_page(other) == same_page(plain)
    assert '<span class="site-account__name">flash</span>' in other.content.decode()


def test_a_lesson_is_rendered_once_per_set_of_facts_not_per_reader(site, settings):
    """Visitor, learner or staff; to do, done, updated or the last one left."""
    readers, course_lessons = site["readers"].values(), lessons_of(site["course"])
    for reader in readers:
        client = client_for(reader)
        for lesson in course_lessons:
            fetch(client, lesson.get_absolute_url(), settings, prerendered=True, flash=False)
    keys = [key for key in kept_pages.pages if key[0] == "courses/lesson.html"]
    assert len(keys) < len(readers) * len(course_lessons)
    assert {dict(key[2][2:])["state"] for key in keys} == {
        None,
        "to do",
        "done",
        "updated",
        "last",
    }


def page_text(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_import_shows_on_the_very_next_request(client, tmp_path):
    folder = shutil.copytree(FIXTURE, tmp_path / "admin-course")
    import_content(str(folder))
    welcome = Lesson.objects.get(doc_id="basics/welcome")
    url = welcome.get_absolute_url()
    assert "Freshly imported." not in page_text(client, url)
    source = folder / welcome.source_path
    source.write_text(source.read_text() + "\nFreshly imported.\n")
    import_content(str(folder))
    assert "Freshly imported." in page_text(client, url)


def test_an_admin_save_shows_on_the_very_next_request(editor_client, client, tmp_path):
    folder = shutil.copytree(FIXTURE, tmp_path / "admin-course")
    import_content(str(folder))
    welcome = Lesson.objects.select_related("course").get(doc_id="basics/welcome")
    url = welcome.get_absolute_url()
    assert "Saved in the admin." not in page_text(client, url)
    assert "Saved in the admin." not in page_text(editor_client, url)
    save_lesson(editor_client, welcome, markdown="Saved in the admin.\n", title="Renamed")
    assert "Saved in the admin." in page_text(client, url)
    assert "Saved in the admin." in page_text(editor_client, url)
    assert "Renamed" in page_text(client, welcome.course.get_absolute_url())


def test_a_completion_shows_on_the_very_next_request(learner_client):
    course = make_course_with_lessons(count=3)
    first = lessons_of(course)[0]
    before = page_text(learner_client, first.get_absolute_url())
    assert "0 of 3 completed" in before and "Mark complete</button>" in before
    learner_client.post(reverse("learners:complete", args=[course.slug, first.path]))
    after = page_text(learner_client, first.get_absolute_url())
    assert "1 of 3 completed" in after and "✓</span> Completed" in after
    assert "Next up: Lesson 2" in page_text(learner_client, course.get_absolute_url())


def test_a_reset_shows_on_the_very_next_request(learner_client, learner):
    course = make_course_with_lessons(count=3)
    make_completions(learner, lessons_of(course))
    assert "Review" in page_text(learner_client, course.get_absolute_url())
    learner_client.post(reverse("learners:reset", args=[course.slug]))
    after = page_text(learner_client, course.get_absolute_url())
    assert "0 of 3 lessons completed" in after and "Start course" in after


def test_a_value_passed_through_a_filter_is_refused(monkeypatch):
    from django.template import engines

    template = engines["django"].from_string("<a href='?next={{ reader.here|urlencode }}'>")
    monkeypatch.setattr("courses.prerendered.get_template", lambda name: template)
    reader = Reader(values={"here": "/a page/"})
    with pytest.raises(ValueError, match="filter"):
        PrerenderedPage("page.html", {}, User(), reader)


def test_values_are_escaped_as_the_template_would(monkeypatch, rf):
    from django.template import engines

    template = engines["django"].from_string("<p title='{{ reader.name }}'>{{ reader.html }}</p>")
    monkeypatch.setattr("courses.prerendered.get_template", lambda name: template)
    from django.utils.safestring import mark_safe

    reader = Reader(values={"name": "<Ada & 'Bo'>", "html": lambda: mark_safe("<b>bold</b>")})
    page = PrerenderedPage("page.html", {}, User(), reader)
    html = page.fill(rf.get("/"), reader).decode()
    assert html == "<p title='&lt;Ada &amp; &#x27;Bo&#x27;&gt;'><b>bold</b></p>"
