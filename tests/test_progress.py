"""Marking lessons complete and incomplete, and what a learner's progress is made of."""

import sqlite3
import threading
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Lesson
from learners.models import Completion, Enrollment
from learners.progress import completed_among, completed_lessons, course_progress
from tests.conftest import PASSWORD
from tests.makers import (
    bump_content_version,
    lessons_of,
    make_completions,
    make_course,
    make_course_with_lessons,
    make_lesson,
)


def complete_url(lesson):
    return reverse("learners:complete", args=[lesson.course.slug, lesson.path])


def course_complete_url(course):
    return reverse("learners:course_complete", args=[course.slug])


def incomplete_url(lesson):
    return reverse("learners:incomplete", args=[lesson.course.slug, lesson.path])


@pytest.fixture
def course(db):
    return make_course_with_lessons(count=3)


@pytest.fixture
def lessons(course):
    return lessons_of(course)


# Mark complete


def test_mark_complete_stores_the_completion_and_goes_on_to_the_next_lesson(
    learner_client, learner, lessons
):
    response = learner_client.post(complete_url(lessons[0]))
    assert response.status_code == 302
    assert response.url == lessons[1].get_absolute_url()
    completion = Completion.objects.get()
    assert (completion.user, completion.lesson) == (learner, lessons[0])
    assert completion.course == lessons[0].course
    assert completion.content_hash == lessons[0].content_hash


def test_mark_complete_follows_a_custom_next_link(learner_client, lessons):
    Lesson.objects.filter(pk=lessons[0].pk).update(pagination_next=lessons[2].doc_id)
    response = learner_client.post(complete_url(lessons[0]))
    assert response.url == lessons[2].get_absolute_url()


def test_mark_complete_skips_a_custom_next_link_already_completed(
    learner_client, learner, lessons
):
    Lesson.objects.filter(pk=lessons[0].pk).update(pagination_next=lessons[1].doc_id)
    make_completions(learner, lessons[1:2])
    response = learner_client.post(complete_url(lessons[0]))
    assert response.url == lessons[2].get_absolute_url()


def test_filling_a_gap_goes_on_to_the_next_lesson_not_yet_completed(learner_client, learner):
    lessons = lessons_of(make_course_with_lessons(count=5))
    make_completions(learner, [lessons[0], lessons[2], lessons[3]])
    response = learner_client.post(complete_url(lessons[1]), follow=True)
    assert response.redirect_chain[-1][0] == lessons[4].get_absolute_url()
    assert "“Lesson 2” completed." in response.content.decode()


def test_with_nothing_left_after_it_mark_complete_wraps_round_to_an_earlier_gap(
    learner_client, learner, lessons
):
    make_completions(learner, lessons[1:2])
    response = learner_client.post(complete_url(lessons[2]))
    assert response.url == lessons[0].get_absolute_url()


@pytest.mark.parametrize("last", [0, 1, 2])
def test_completing_the_last_lesson_left_in_any_order_leads_to_the_course_complete_page(
    learner_client, learner, course, lessons, last
):
    make_completions(learner, [lesson for n, lesson in enumerate(lessons) if n != last])
    response = learner_client.post(complete_url(lessons[last]), follow=True)
    assert response.redirect_chain[-1][0] == course_complete_url(course)
    assert "You finished “Intro Course”" in response.content.decode()


def test_completing_an_unlisted_lesson_goes_on_to_the_first_gap(learner_client, course, lessons):
    extra = make_lesson(course, slug="extra", order=9, unlisted=True)
    response = learner_client.post(complete_url(extra))
    assert response.url == lessons[0].get_absolute_url()


def test_completing_twice_stores_one_row_and_is_not_an_error(learner_client, lessons):
    first = learner_client.post(complete_url(lessons[0]))
    second = learner_client.post(complete_url(lessons[0]))
    assert first.status_code == second.status_code == 302
    assert Completion.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_completes_store_one_row(learner):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("concurrent writers need a file or server database (set DATABASE_URL)")
    lesson = lessons_of(make_course_with_lessons(count=2))[0]
    start = threading.Barrier(8)
    statuses = []

    def submit():
        client = Client()
        client.force_login(learner)
        start.wait()
        try:
            statuses.append(client.post(complete_url(lesson)).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 8
    assert Completion.objects.filter(lesson=lesson).count() == 1


def test_visitor_completing_is_sent_to_sign_in_and_nothing_is_stored(client, lessons):
    response = client.post(complete_url(lessons[0]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not Completion.objects.exists()


def test_visitor_completing_comes_back_to_the_lesson_after_signing_in(client, learner, lessons):
    login_url = client.post(complete_url(lessons[0])).url
    response = client.post(login_url, {"username": learner.username, "password": PASSWORD})
    assert response.url == lessons[0].get_absolute_url()


def test_visitor_marking_incomplete_is_sent_to_sign_in(client, learner, lessons):
    make_completions(learner, lessons[:1])
    response = client.post(incomplete_url(lessons[0]))
    assert response.url.startswith(reverse("login"))
    assert Completion.objects.count() == 1


@pytest.mark.parametrize("url_for", [complete_url, incomplete_url])
def test_get_never_changes_completions(learner_client, learner, lessons, url_for):
    make_completions(learner, lessons[1:2])
    assert learner_client.get(url_for(lessons[0])).status_code == 405
    assert learner_client.get(url_for(lessons[1])).status_code == 405
    assert list(Completion.objects.values_list("lesson", flat=True)) == [lessons[1].pk]


def test_completing_without_a_csrf_token_is_refused(learner, lessons):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.post(complete_url(lessons[0])).status_code == 403
    assert not Completion.objects.exists()


@pytest.mark.parametrize("state", [{"draft": True}, {"archived": True}])
def test_draft_and_archived_lessons_cannot_be_completed(learner_client, course, state):
    lesson = make_lesson(course, slug="hidden", order=9, **state)
    assert learner_client.post(complete_url(lesson)).status_code == 404
    assert not Completion.objects.exists()


def test_unlisted_lesson_can_be_completed_but_does_not_count(learner_client, learner, course):
    lesson = make_lesson(course, slug="extra", order=9, unlisted=True)
    assert learner_client.post(complete_url(lesson)).status_code == 302
    assert Completion.objects.filter(lesson=lesson).exists()
    assert course_progress(learner, course).done == 0


# Mark incomplete


def test_mark_incomplete_removes_only_this_learners_completion_and_goes_back(
    learner_client, learner, other_learner, lessons
):
    make_completions(learner, lessons[:1])
    make_completions(other_learner, lessons[:1])
    response = learner_client.post(incomplete_url(lessons[0]))
    assert response.url == lessons[0].get_absolute_url()
    assert list(Completion.objects.values_list("user", flat=True)) == [other_learner.pk]


def test_mark_incomplete_on_an_unfinished_lesson_is_harmless(learner_client, lessons):
    assert learner_client.post(incomplete_url(lessons[0])).status_code == 302


def test_marking_incomplete_reopens_a_finished_course(learner_client, learner, course, lessons):
    for lesson in lessons:
        learner_client.post(complete_url(lesson))
    learner_client.post(incomplete_url(lessons[1]))
    assert not course_progress(learner, course).is_complete
    response = learner_client.get(course_complete_url(course))
    assert response.url == course.get_absolute_url()


# Changed since completed


def test_lesson_changed_since_completion_is_marked_updated(learner_client, learner, lessons):
    make_completions(learner, lessons[:1])
    lessons[0].body.markdown += "\nA new paragraph.\n"
    lessons[0].body.save()
    lessons[0].show(lessons[0].body)
    lessons[0].save()
    bump_content_version(lessons[0].course)
    html = learner_client.get(lessons[0].get_absolute_url()).content.decode()
    assert "This lesson changed since you completed it." in html
    assert '<span class="badge">updated</span>' in html.split("<article")[0]


def test_completing_again_clears_the_updated_marker(learner_client, learner, lessons):
    make_completions(learner, lessons[:1])
    lessons[0].body.markdown += "\nMore.\n"
    lessons[0].body.save()
    lessons[0].show(lessons[0].body)
    lessons[0].save()
    bump_content_version(lessons[0].course)
    learner_client.post(complete_url(lessons[0]))
    assert Completion.objects.get().content_hash == lessons[0].content_hash
    html = learner_client.get(lessons[0].get_absolute_url()).content.decode()
    assert "changed since you completed it" not in html


def test_unchanged_lesson_has_no_updated_marker(learner_client, learner, lessons):
    make_completions(learner, lessons[:1])
    html = learner_client.get(lessons[0].get_absolute_url()).content.decode()
    assert "updated</span>" not in html


# Course completion is derived


def test_new_lesson_reopens_a_finished_course(learner, course, lessons):
    make_completions(learner, lessons)
    assert course_progress(learner, course).is_complete
    make_lesson(course, slug="brand-new", order=10)
    bump_content_version(course)
    progress = course_progress(learner, course)
    assert (progress.done, progress.total, progress.is_complete) == (3, 4, False)


def test_archived_lesson_leaves_the_count_and_its_completion_is_kept(learner, course, lessons):
    make_completions(learner, lessons[:1])
    Lesson.objects.filter(pk=lessons[0].pk).update(archived=True)
    bump_content_version(course)
    progress = course_progress(learner, course)
    assert (progress.done, progress.total) == (0, 2)
    assert Completion.objects.filter(lesson=lessons[0]).exists()


def test_course_with_no_lessons_is_never_complete(learner):
    assert not course_progress(learner, make_course()).is_complete


# The first open of a course


def test_opening_a_lesson_records_the_first_open_of_its_course_only(
    learner_client, learner, course, lessons
):
    learner_client.get(lessons[1].get_absolute_url())
    enrollment = Enrollment.objects.get(user=learner, course=course)
    learner_client.get(lessons[2].get_absolute_url())
    assert list(Enrollment.objects.all()) == [enrollment]
    assert Enrollment.objects.get().started_at == enrollment.started_at


def enrollment_queries(queries):
    return [query["sql"] for query in queries if "learners_enrollment" in query["sql"]]


def test_reopening_a_course_writes_nothing(learner_client, lessons):
    learner_client.get(lessons[1].get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        learner_client.get(lessons[2].get_absolute_url())
    writes = [
        sql
        for sql in enrollment_queries(queries.captured_queries)
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_whether_the_course_was_opened_is_read_with_the_completions_not_on_its_own(
    learner_client, learner, lessons
):
    make_completions(learner, lessons[:1])
    learner_client.get(lessons[2].get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        learner_client.get(lessons[1].get_absolute_url())
    on_their_own = [
        sql
        for sql in enrollment_queries(queries.captured_queries)
        if "learners_completion" not in sql
    ]
    assert on_their_own == []


def test_visitor_reading_stores_no_enrollment(client, lessons):
    client.get(lessons[0].get_absolute_url())
    assert not Enrollment.objects.exists()


def test_a_lock_error_while_recording_the_open_still_shows_the_lesson(
    learner_client, learner, lessons, monkeypatch
):
    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(Enrollment.objects, "bulk_create", locked)
    response = learner_client.get(lessons[0].get_absolute_url())
    assert response.status_code == 200
    assert "<h1>Lesson 1</h1>" in response.content.decode()
    assert not Enrollment.objects.exists()
    monkeypatch.undo()
    learner_client.get(lessons[0].get_absolute_url())
    assert Enrollment.objects.filter(user=learner).count() == 1


def test_other_database_errors_while_recording_the_open_are_not_hidden(
    learner_client, lessons, monkeypatch
):
    def broken(*args, **kwargs):
        raise OperationalError("no such table: learners_enrollment")

    monkeypatch.setattr(Enrollment.objects, "bulk_create", broken)
    with pytest.raises(OperationalError):
        learner_client.get(lessons[0].get_absolute_url())


@pytest.mark.django_db(transaction=True)
def test_a_lesson_opened_while_another_writer_holds_the_lock_is_shown(learner):
    """A real lock: another connection holds the write lock on the table, as an import's
    transaction would, and the page does not wait for it to go."""
    lesson = lessons_of(make_course_with_lessons(count=1))[0]
    client = Client()
    client.force_login(learner)
    with holding_the_write_lock():
        response = client.get(lesson.get_absolute_url())
    assert response.status_code == 200
    assert not Enrollment.objects.exists()


@contextmanager
def holding_the_write_lock():
    """Another connection holds a lock that keeps this one from inserting enrollments, and
    this connection gives up waiting after a fraction of a second."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        import psycopg

        other = psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            password=settings["PASSWORD"],
            host=settings["HOST"],
            port=settings["PORT"] or 5432,
        )
        other.execute("BEGIN")
        other.execute("LOCK TABLE learners_enrollment IN EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        try:
            yield
        finally:
            other.rollback()
            other.close()
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
    elif connection.vendor == "sqlite" and not connection.is_in_memory_db():
        other = sqlite3.connect(settings["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 200")
        try:
            yield
        finally:
            other.rollback()
            other.close()
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 20000")
    else:
        pytest.skip("a lock held by another connection needs a file or server database")


# Continue


def test_next_lesson_is_the_first_one_not_completed_in_reading_order(learner, course, lessons):
    make_completions(learner, [lessons[0], lessons[2]])
    progress = course_progress(learner, course)
    assert progress.next_lesson.id == lessons[1].pk
    assert progress.action == "Continue"


def test_looking_ahead_does_not_move_continue(learner_client, learner, course, lessons):
    make_completions(learner, lessons[:1])
    learner_client.get(lessons[2].get_absolute_url())
    assert course_progress(learner, course).next_lesson.id == lessons[1].pk


def test_next_lesson_is_the_first_when_nothing_was_completed(learner, course, lessons):
    progress = course_progress(learner, course)
    assert progress.next_lesson.id == lessons[0].pk
    assert progress.action == "Start course"


# Progress queries and template tags


def test_completed_lessons_is_one_query(learner, course, lessons, django_assert_num_queries):
    make_completions(learner, lessons)
    with django_assert_num_queries(1):
        assert set(completed_lessons(learner, course)) == {lesson.pk for lesson in lessons}


def test_completed_lessons_of_a_visitor_is_empty_without_touching_the_database():
    assert completed_lessons(AnonymousUser()) == {}


def test_completed_lessons_covers_every_course_or_one(learner, other_learner, lessons):
    other_course_lesson = make_lesson(make_course(slug="other", title="Other"))
    make_completions(learner, [lessons[0], other_course_lesson])
    make_completions(other_learner, [lessons[1]])
    assert set(completed_lessons(learner)) == {lessons[0].pk, other_course_lesson.pk}
    assert set(completed_lessons(learner, lessons[0].course)) == {lessons[0].pk}


def test_completed_among_names_only_the_learners_own_of_the_lessons_asked_about(
    learner, other_learner, lessons, django_assert_num_queries
):
    make_completions(learner, lessons[:2])
    make_completions(other_learner, lessons[2:])
    with django_assert_num_queries(1):
        done = completed_among(learner, [lessons[1].pk, lessons[2].pk])
    assert done == {lessons[1].pk}


def test_completed_among_is_empty_for_visitors_without_touching_the_database(
    lessons, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert completed_among(AnonymousUser(), [lessons[0].pk]) == set()
