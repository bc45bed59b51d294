"""A learner's day in real Chromium: sign up, read, mark complete, come back later."""

import re

import pytest
from playwright.sync_api import expect

from courses.models import LessonBody
from tests.conftest import PASSWORD
from tests.makers import lessons_of, make_completions, make_course_with_lessons, make_lesson

pytestmark = pytest.mark.browser

LONG_CODE = "x = " + " + ".join(f"value_{n}" for n in range(80))
WIDE_BODY = f"""
<p>A paragraph with an unbreakable word: {"supercalifragilistic" * 8}.</p>
<div class="highlight"><pre><code>{LONG_CODE}</code></pre></div>
<table><tr>{"".join(f"<th>Column {n}</th>" for n in range(14))}</tr></table>
"""


def sign_in(page, username, next_url="/"):
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def test_learner_signs_up_reads_completes_and_picks_up_later(page, other_learner):
    course = make_course_with_lessons(count=4, sections=2, slug="browser-course")
    first, second = lessons_of(course)[:2]
    progress_text = page.locator(".course-header .progress__text")

    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill("reader")
    page.get_by_label("Email").fill("reader@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Your account is ready.")).to_be_visible()

    page.get_by_role("link", name="Browser Course", exact=True).click()
    page.get_by_role("link", name="Start course", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(first.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(first.title)

    page.get_by_role("button", name="Mark complete").click()
    expect(page).to_have_url(re.compile(re.escape(second.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(second.title)

    page.goto(course.get_absolute_url())
    expect(progress_text).to_have_text("1 of 4 lessons completed")

    sign_out(page)
    sign_in(page, "reader", next_url=course.get_absolute_url())
    expect(progress_text).to_have_text("1 of 4 lessons completed")

    sign_out(page)
    sign_in(page, other_learner.username, next_url=course.get_absolute_url())
    expect(progress_text).to_have_text("0 of 4 lessons completed")

    sign_out(page)
    sign_in(page, "reader")
    page.goto("/dashboard/")
    page.get_by_role("link", name="Continue Browser Course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(second.title)


def test_completed_lesson_can_be_marked_incomplete(page, learner):
    course = make_course_with_lessons(count=2)
    lesson = lessons_of(course)[0]
    make_completions(learner, [lesson])
    sign_in(page, learner.username, next_url=lesson.get_absolute_url())
    expect(page.locator(".lesson-actions")).to_contain_text("Completed")
    page.get_by_role("button", name="Mark incomplete").click()
    expect(page.get_by_role("button", name="Mark complete")).to_be_visible()


def test_desktop_sidebar_shows_the_outline_without_a_toggle(page):
    course = make_course_with_lessons(count=3)
    page.goto(lessons_of(course)[0].get_absolute_url())
    sidebar = page.get_by_role("complementary", name="Course outline")
    expect(sidebar.get_by_role("link", name="Lesson 3")).to_be_visible()
    expect(sidebar.locator(".lesson-sidebar__toggle > summary")).to_be_hidden()


def test_lesson_page_fits_a_phone_without_sideways_scrolling(phone_page, learner):
    course = make_course_with_lessons(count=3)
    lesson = make_lesson(course, slug="wide", title="A lesson with wide things", order=9)
    LessonBody.objects.filter(pk=lesson.body_id).update(html=WIDE_BODY)

    for signed_in in (False, True):
        if signed_in:
            sign_in(phone_page, learner.username)
        phone_page.goto(lesson.get_absolute_url())
        expect(phone_page.get_by_role("heading", level=1)).to_have_text(lesson.title)
        scroll_width, inner_width = phone_page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll_width <= inner_width


def test_phone_outline_is_folded_behind_a_button(phone_page):
    course = make_course_with_lessons(count=3)
    phone_page.goto(lessons_of(course)[0].get_absolute_url())
    sidebar = phone_page.get_by_role("complementary", name="Course outline")
    third = sidebar.get_by_role("link", name="Lesson 3")
    expect(third).to_be_hidden()
    sidebar.locator(".lesson-sidebar__toggle > summary").click()
    expect(third).to_be_visible()
