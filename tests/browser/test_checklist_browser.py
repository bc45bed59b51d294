"""A lesson's checklist in Chromium: ticks saved by the form without JavaScript and as they
are made with it, kept through signing out and in and through a re-import."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from courses.models import Lesson
from tests.browser.conftest import open_page
from tests.browser.test_learner_journey import sign_in, sign_out

pytestmark = pytest.mark.browser

LESSON = """---
title: Check yourself
---

Tick what you can do.

- [ ] I can explain self-attention
- [ ] I can sketch a transformer block
- [x] I read the intro
"""


@pytest.fixture
def js_page(browser, live_server, transactional_db, request):
    """A desktop-sized page with JavaScript on."""
    yield from open_page(browser, live_server, request, viewport={"width": 1280, "height": 900})


@pytest.fixture
def course_folder(tmp_path):
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "check.md").write_text(LESSON, encoding="utf-8")
    return folder


def import_lesson(folder):
    call_command("import_content", str(folder), stdout=StringIO(), stderr=StringIO())
    return Lesson.objects.get(course__slug="tiny", doc_id="check")


def test_without_javascript_the_form_saves_ticks_that_outlast_signing_out(
    page, learner, course_folder
):
    lesson = import_lesson(course_folder)
    page.goto(lesson.get_absolute_url())
    expect(page.get_by_label("I can explain self-attention")).to_be_disabled()
    expect(page.get_by_role("link", name="Sign in", exact=True).last).to_be_visible()

    sign_in(page, learner.username, next_url=lesson.get_absolute_url())
    page.get_by_label("I can explain self-attention").check()
    page.get_by_label("I read the intro").uncheck()
    page.get_by_role("button", name="Save checklist").click()
    expect(page.get_by_text("Your checklist is saved.")).to_be_visible()

    sign_out(page)
    sign_in(page, learner.username, next_url=lesson.get_absolute_url())
    expect(page.get_by_label("I can explain self-attention")).to_be_checked()
    expect(page.get_by_label("I can sketch a transformer block")).not_to_be_checked()
    expect(page.get_by_label("I read the intro")).not_to_be_checked()


def test_with_javascript_each_tick_is_saved_as_it_is_made_and_outlasts_a_reimport(
    js_page, learner, other_learner, course_folder
):
    lesson = import_lesson(course_folder)
    sign_in(js_page, learner.username, next_url=lesson.get_absolute_url())
    expect(js_page.get_by_role("button", name="Save checklist")).to_be_hidden()
    status = js_page.locator(".checklist-form__status")

    js_page.get_by_label("I can sketch a transformer block").check()
    expect(status).to_have_text("“I can sketch a transformer block” ticked and saved.")
    js_page.get_by_label("I read the intro").uncheck()
    expect(status).to_have_text("“I read the intro” unticked and saved.")

    import_lesson(course_folder)  # the same file again
    js_page.reload()
    expect(js_page.get_by_label("I can explain self-attention")).not_to_be_checked()
    expect(js_page.get_by_label("I can sketch a transformer block")).to_be_checked()
    expect(js_page.get_by_label("I read the intro")).not_to_be_checked()

    sign_out(js_page)
    sign_in(js_page, other_learner.username, next_url=lesson.get_absolute_url())
    expect(js_page.get_by_label("I can sketch a transformer block")).not_to_be_checked()
    expect(js_page.get_by_label("I read the intro")).to_be_checked()
