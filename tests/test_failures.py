"""When something breaks, the learner gets a page in the site's look, never a traceback:
a crashing view or an unreachable database is a friendly 500, a missing lesson a friendly
404, and a lesson with a broken image still renders. (/healthz answering 503 when the
database is down is in test_foundation.)"""

from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client

from courses.models import Course, Lesson
from tests.makers import make_course_with_lessons

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor():
    """A client that answers like a browser would see it, instead of re-raising."""
    return Client(raise_request_exception=False)


def assert_friendly_500(response):
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Something went wrong</h1>" in html
    assert "Your progress is safe" in html
    assert 'class="site-header"' in html
    assert 'href="/static/coursebook.css"' in html
    assert "Traceback" not in html


def test_a_crashing_view_shows_the_friendly_500_page(visitor):
    course = make_course_with_lessons(count=1)
    with mock.patch("courses.views.course_and_outline", side_effect=RuntimeError("bug")):
        response = visitor.get(course.get_absolute_url())
    assert_friendly_500(response)


def test_an_unreachable_database_shows_the_friendly_500_page(visitor):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("down")):
        response = visitor.get("/")
    assert_friendly_500(response)


def test_the_500_page_keeps_the_security_headers(visitor):
    course = make_course_with_lessons(count=1)
    with mock.patch("courses.views.course_and_outline", side_effect=RuntimeError("bug")):
        response = visitor.get(course.get_absolute_url())
    assert response.status_code == 500
    assert response["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_missing_lesson_of_a_real_course_is_the_friendly_404(client):
    course = make_course_with_lessons(count=1)
    response = client.get(f"{course.get_absolute_url()}no-such-lesson/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert "the lesson may no longer be part of its course" in html
    assert "Skip to content" in html


def test_a_lesson_with_a_broken_image_still_imports_and_renders(client, tmp_path):
    course_dir = tmp_path / "pictures"
    course_dir.mkdir()
    (course_dir / "diagram.md").write_text(
        "# Diagram\n\nText before.\n\n![the diagram](./missing.png)\n\nText after.\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("import_content", str(course_dir), stdout=out, stderr=out)
    assert "missing.png" in out.getvalue()

    lesson = Lesson.objects.get(course=Course.objects.get(slug="pictures"))
    response = client.get(lesson.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Text before." in html and "Text after." in html
    assert 'alt="the diagram"' in html


def test_a_form_without_its_csrf_token_gets_a_page_in_the_site_look(db, learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert b"This form has expired" in response.content
    assert b"Skip to content" in response.content
