"""The learner's dashboard: courses in progress and done, recent completions, reset, export."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import Lesson
from learners.models import Completion, Enrollment
from tests.makers import lessons_of, make_completions, make_course_with_lessons

DASHBOARD = reverse("learners:dashboard")
EXPORT = reverse("learners:export")

pytestmark = pytest.mark.django_db


def reset_url(course):
    return reverse("learners:reset", args=[course.slug])


def test_visitor_is_sent_to_sign_in(client):
    for url in (DASHBOARD, EXPORT):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")


def test_new_learner_is_pointed_to_the_catalogue(learner_client):
    html = learner_client.get(DASHBOARD).content.decode()
    assert "You have not started a course yet." in html


def section(html, heading_id):
    """The dashboard section under the heading with this id, as HTML."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.find("</section>", start)]


def test_course_in_progress_shows_its_bar_and_names_the_lesson_to_continue(
    learner_client, learner
):
    course = make_course_with_lessons(count=4, slug="in-progress")
    make_completions(learner, lessons_of(course)[:1])
    in_progress = section(learner_client.get(DASHBOARD).content.decode(), "in-progress")
    assert "In Progress" in in_progress
    assert "1 of 4 lessons completed" in in_progress
    assert "Next up: Lesson 2" in in_progress
    assert f'href="{lessons_of(course)[1].get_absolute_url()}">Continue' in in_progress
    assert "Reset progress" in in_progress


def test_continue_names_the_first_gap_even_after_reading_ahead(learner_client, learner):
    course = make_course_with_lessons(count=5)
    lessons = lessons_of(course)
    make_completions(learner, [lessons[0], lessons[2]])
    learner_client.get(lessons[4].get_absolute_url())
    in_progress = section(learner_client.get(DASHBOARD).content.decode(), "in-progress")
    assert "Next up: Lesson 2" in in_progress
    assert f'href="{lessons[1].get_absolute_url()}">Continue' in in_progress


def test_opened_course_is_listed_as_opened_with_no_reset(learner_client, learner):
    course = make_course_with_lessons(count=2, slug="opened")
    learner_client.get(lessons_of(course)[1].get_absolute_url())
    html = learner_client.get(DASHBOARD).content.decode()
    opened = section(html, "opened")
    assert "Opened" in opened
    assert "First up: Lesson 1" in opened
    assert f'href="{lessons_of(course)[0].get_absolute_url()}">Start course' in opened
    assert "Reset progress" not in html
    assert "0 of 2" not in html
    assert "No course in progress." in section(html, "in-progress")


def test_finished_course_is_listed_as_finished_with_its_date_and_certificate(
    learner_client, learner
):
    course = make_course_with_lessons(count=2, slug="finished")
    make_completions(learner, lessons_of(course))
    html = learner_client.get(DASHBOARD).content.decode()
    finished = section(html, "finished")
    assert "Finished" in finished
    assert "All 2 lessons completed, finished " in finished
    assert reverse("learners:course_complete", args=[course.slug]) in finished
    assert "Finished" not in section(html, "in-progress")


def test_a_learner_whose_only_course_is_finished_is_not_told_to_start_one(learner_client, learner):
    make_completions(learner, lessons_of(make_course_with_lessons(count=2)))
    html = learner_client.get(DASHBOARD).content.decode()
    assert "You have not started a course yet." not in html
    assert "No course in progress." in html


def test_recent_completions_say_just_now_then_how_long_ago(learner_client, learner):
    first, second = lessons_of(make_course_with_lessons(count=2))
    make_completions(learner, [first, second])
    Completion.objects.filter(lesson=first).update(
        completed_at=timezone.now() - timedelta(minutes=5)
    )
    recent = section(learner_client.get(DASHBOARD).content.decode(), "recent")
    assert "just now" in recent
    assert "5\xa0minutes ago" in recent
    assert "0\xa0minutes" not in recent


def test_recent_completions_are_newest_first_and_only_mine(learner_client, learner, other_learner):
    course = make_course_with_lessons(count=3)
    first, second, third = lessons_of(course)
    make_completions(learner, [first])
    make_completions(learner, [second])
    make_completions(other_learner, [third])
    html = learner_client.get(DASHBOARD).content.decode()
    recent = html[html.index("Recent completions") :]
    assert recent.index("Lesson 2") < recent.index("Lesson 1")
    assert "Lesson 3" not in recent


def test_dashboard_never_shows_another_learners_courses(learner_client, other_learner):
    course = make_course_with_lessons(count=2, slug="not-mine")
    make_completions(other_learner, lessons_of(course))
    html = learner_client.get(DASHBOARD).content.decode()
    assert "Not Mine" not in html


def test_dashboard_runs_a_fixed_number_of_queries(
    learner_client, learner, django_assert_max_num_queries
):
    for n in range(8):
        course = make_course_with_lessons(count=30, slug=f"course-{n}")
        Enrollment.objects.create(user=learner, course=course)
        make_completions(learner, lessons_of(course)[: 5 * n])
    with django_assert_max_num_queries(5):
        response = learner_client.get(DASHBOARD)
    html = response.content.decode()
    assert html.count("First up:") == 1
    assert html.count("Next up:") == 5
    assert html.count("All 30 lessons completed") == 2


# Reset


def test_reset_asks_for_confirmation_first_and_get_changes_nothing(learner_client, learner):
    course = make_course_with_lessons(count=2)
    make_completions(learner, lessons_of(course))
    response = learner_client.get(reset_url(course))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Reset your progress" in html
    assert 'method="post"' in html
    assert Completion.objects.count() == 2


def test_reset_forgets_my_progress_in_that_course_only(learner_client, learner, other_learner):
    course = make_course_with_lessons(count=2, slug="reset-me")
    kept = make_course_with_lessons(count=2, slug="keep-me")
    make_completions(learner, lessons_of(course) + lessons_of(kept))
    make_completions(other_learner, lessons_of(course))
    learner_client.get(lessons_of(course)[0].get_absolute_url())

    response = learner_client.post(reset_url(course), follow=True)

    assert response.redirect_chain[-1][0] == DASHBOARD
    assert "was reset" in response.content.decode()
    assert not Completion.objects.filter(user=learner, course=course).exists()
    assert not Enrollment.objects.filter(user=learner, course=course).exists()
    assert Completion.objects.filter(user=learner, course=kept).count() == 2
    assert Completion.objects.filter(user=other_learner, course=course).count() == 2


def test_visitor_cannot_reset(client, learner):
    course = make_course_with_lessons(count=1)
    make_completions(learner, lessons_of(course))
    response = client.post(reset_url(course))
    assert response.url.startswith(reverse("login"))
    assert Completion.objects.count() == 1


def test_reset_without_a_csrf_token_is_refused(learner):
    course = make_course_with_lessons(count=1)
    make_completions(learner, lessons_of(course))
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.post(reset_url(course)).status_code == 403
    assert Completion.objects.count() == 1


def test_reset_of_an_unknown_course_is_404(learner_client):
    assert learner_client.get(reverse("learners:reset", args=["nope"])).status_code == 404


# Export


def test_export_downloads_my_completions_as_json(learner_client, learner, other_learner):
    course = make_course_with_lessons(count=2, slug="exported")
    lessons = lessons_of(course)
    make_completions(learner, lessons[:1])
    make_completions(other_learner, lessons)

    response = learner_client.get(EXPORT)

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["username"] == learner.username
    assert data["format"] == "coursebook-progress" and data["version"] == 1
    [row] = data["completions"]
    assert row["course"] == "exported"
    assert row["lesson"] == lessons[0].doc_id
    completion = Completion.objects.get(user=learner)
    assert row["completed_at"] == completion.completed_at.isoformat()


def test_export_keeps_completions_of_archived_lessons(learner_client, learner):
    course = make_course_with_lessons(count=1)
    lesson = lessons_of(course)[0]
    make_completions(learner, [lesson])
    Lesson.objects.filter(pk=lesson.pk).update(archived=True)
    data = json.loads(learner_client.get(EXPORT).content)
    assert [row["lesson"] for row in data["completions"]] == [lesson.doc_id]
