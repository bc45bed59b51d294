"""Finishing a course in Chromium: the next lesson is always one still to do, Continue names
it, and completing the last one, in any order, leads to the course-complete page."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_learner_journey import sign_in
from tests.makers import lessons_of, make_completions, make_course_with_lessons

pytestmark = pytest.mark.browser


def at(lesson):
    return re.compile(re.escape(lesson.get_absolute_url()) + "$")


def test_filling_a_gap_leads_to_the_next_lesson_still_to_do(page, learner):
    lessons = lessons_of(make_course_with_lessons(count=5, slug="gappy"))
    make_completions(learner, [lessons[0], lessons[2]])
    sign_in(page, learner.username, next_url=lessons[1].get_absolute_url())
    page.get_by_role("button", name="Mark complete").click()
    expect(page).to_have_url(at(lessons[3]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lesson 4")
    expect(page.get_by_text("“Lesson 2” completed.")).to_be_visible()


def test_completing_a_course_out_of_order_shows_the_course_complete_page(page, learner):
    course = make_course_with_lessons(count=3, slug="out-of-order")
    lessons = lessons_of(course)
    make_completions(learner, lessons[1:])
    sign_in(page, learner.username, next_url=lessons[0].get_absolute_url())
    expect(page.get_by_text("and finish the course")).to_be_visible()
    page.get_by_role("button", name="Mark complete").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You finished “Out Of Order”")
    certificate = page.locator(".certificate")
    expect(certificate).to_contain_text("Certificate of completion")
    expect(certificate).to_contain_text(learner.username)
    lessons_list = page.get_by_role("region", name="The lessons you completed")
    expect(lessons_list.get_by_role("link")).to_have_text(["Lesson 1", "Lesson 2", "Lesson 3"])

    page.emulate_media(media="print")
    expect(certificate).to_be_visible()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_hidden()
    expect(lessons_list).to_be_hidden()


def test_continue_names_the_first_lesson_still_to_do_everywhere(page, learner):
    course = make_course_with_lessons(count=4, slug="look-ahead")
    lessons = lessons_of(course)
    make_completions(learner, [lessons[0], lessons[2]])
    sign_in(page, learner.username, next_url=lessons[3].get_absolute_url())  # reading ahead

    page.goto(course.get_absolute_url())
    expect(page.locator(".course-header")).to_contain_text("Next up: Lesson 2")
    page.locator(".course-header").get_by_role("link", name="Continue").click()
    expect(page).to_have_url(at(lessons[1]))

    for url in ("/dashboard/", "/"):
        page.goto(url)
        card = page.locator(".card", has_text="Look Ahead")
        expect(card).to_contain_text("Next up: Lesson 2")
        card.get_by_role("link", name="Continue Look Ahead").click()
        expect(page).to_have_url(at(lessons[1]))


def test_dashboard_sorts_courses_into_in_progress_opened_and_finished(page, learner):
    started = make_course_with_lessons(count=2, slug="started")
    opened = make_course_with_lessons(count=2, slug="opened")
    done = make_course_with_lessons(count=2, slug="done")
    make_completions(learner, lessons_of(started)[:1] + lessons_of(done))
    sign_in(page, learner.username, next_url=lessons_of(opened)[1].get_absolute_url())
    page.goto("/dashboard/")
    for name, course in [("In progress", started), ("Opened", opened), ("Finished", done)]:
        region = page.get_by_role("region", name=name)
        expect(region.get_by_role("heading", level=3)).to_have_text([course.title])
    expect(page.get_by_role("region", name="Opened")).not_to_contain_text("Reset progress")
    expect(page.get_by_role("region", name="Recent completions")).to_contain_text("just now")
