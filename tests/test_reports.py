import csv
import io
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from courses.rendering.tasklists import task_items
from learners.checklists import save_ticks
from learners.models import Completion, Enrollment, User
from tests.conftest import PASSWORD
from tests.makers import make_checklist_lesson, make_course_with_lessons, make_lesson

pytestmark = pytest.mark.django_db


def at(day, hour=12):
    return datetime(2025, 3, day, hour, tzinfo=UTC)


def complete(user, lesson, day):
    return Completion.objects.create(
        user=user, course=lesson.course, lesson=lesson, completed_at=at(day)
    )


def enroll(user, course, day):
    return Enrollment.objects.create(user=user, course=course, started_at=at(day))


@pytest.fixture
def course(learner, other_learner):
    """Four listed lessons; ada finished, grace stopped after the first, carl only enrolled,
    and ada also completed a lesson that was later archived."""
    course = make_course_with_lessons(count=4, sections=2)
    lessons = list(course.lessons.order_by("order"))
    archived = make_lesson(course, slug="old", title="Old lesson", order=4, archived=True)
    make_lesson(course, slug="sketch", title="Draft lesson", order=5, draft=True)
    carl = User.objects.create_user("carl", "carl@example.com", PASSWORD)
    enroll(learner, course, day=1)
    enroll(other_learner, course, day=2)
    enroll(carl, course, day=3)
    for day, lesson in enumerate(lessons, start=2):
        complete(learner, lesson, day)
    complete(learner, archived, day=1)
    complete(other_learner, lessons[0], day=4)
    return course


def report_url(course):
    return reverse("admin:courses_course_progress", args=[course.pk])


def csv_url(course):
    return reverse("admin:courses_course_progress_csv", args=[course.pk])


def test_report_counts_enrolled_and_finished_learners(editor_client, course):
    response = editor_client.get(report_url(course))
    assert response.status_code == 200
    assert response.context["learner_count"] == 3
    assert response.context["finished_count"] == 1


def test_report_charts_completions_per_lesson_in_reading_order(editor_client, course):
    response = editor_client.get(report_url(course))
    chart = [(row["label"], row["completed"], row["percent"]) for row in response.context["chart"]]
    assert chart == [
        ("Lesson 1", 2, 67),
        ("Lesson 2", 1, 33),
        ("Lesson 3", 1, 33),
        ("Lesson 4", 1, 33),
    ]
    assert response.context["biggest_drop"]["label"] == "Lesson 2"
    assert b'<rect height="100%" width="66.7%">' in response.content


def test_report_lists_completions_of_archived_lessons_separately(editor_client, course):
    response = editor_client.get(report_url(course))
    archived = response.context["archived"]
    assert [(row["lesson__title"], row["completions"]) for row in archived] == [("Old lesson", 1)]
    assert "Old lesson" not in [row["label"] for row in response.context["chart"]]


def test_report_counts_the_learners_who_ticked_each_checklist_item(
    editor_client, course, learner, other_learner
):
    checklist = make_checklist_lesson(course, ["I can explain it", "I can build it"], order=6)
    first, second = task_items(checklist.body.html)
    save_ticks(learner, checklist, ticked={first.key, second.key})
    save_ticks(other_learner, checklist, ticked={first.key})
    make_checklist_lesson(course, ["Hidden item"], slug="drafted", order=7, draft=True)
    response = editor_client.get(report_url(course))
    [lesson] = response.context["checklists"]
    assert lesson.title == "Checklist"
    assert [(item.text, item.ticked_by) for item in lesson.items] == [
        ("I can explain it", 2),
        ("I can build it", 1),
    ]
    assert b"<td>I can explain it</td><td>2</td>" in response.content


def test_report_says_when_no_lesson_has_a_checklist(editor_client, course):
    response = editor_client.get(report_url(course))
    assert b"No lesson of this course has a task list." in response.content


@pytest.mark.parametrize(("url", "queries"), [(report_url, 11), (csv_url, 8)])
def test_report_runs_a_fixed_number_of_queries(
    editor_client, course, django_assert_num_queries, url, queries
):
    checklist = make_checklist_lesson(course, ["I can explain it"], order=6)
    with django_assert_num_queries(queries):
        editor_client.get(url(course))
    lesson = course.lessons.get(order=0)
    for n in range(10):
        user = User.objects.create_user(f"learner{n}", f"l{n}@example.com", PASSWORD)
        enroll(user, course, day=5)
        complete(user, lesson, day=6)
        save_ticks(user, checklist, ticked={task_items(checklist.body.html)[0].key})
    with django_assert_num_queries(queries):
        editor_client.get(url(course))


def test_csv_lists_each_learners_progress(editor_client, course):
    response = editor_client.get(csv_url(course))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="intro-course-progress.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows == [
        {
            "username": "ada",
            "email": "ada@example.com",
            "completed": "4",
            "total": "4",
            "percent": "100",
            "started": at(1).isoformat(),
            "last_activity": at(5).isoformat(),
            "finished": "yes",
        },
        {
            "username": "carl",
            "email": "carl@example.com",
            "completed": "0",
            "total": "4",
            "percent": "0",
            "started": at(3).isoformat(),
            "last_activity": at(3).isoformat(),
            "finished": "no",
        },
        {
            "username": "grace",
            "email": "grace@example.com",
            "completed": "1",
            "total": "4",
            "percent": "25",
            "started": at(2).isoformat(),
            "last_activity": at(4).isoformat(),
            "finished": "no",
        },
    ]


def test_csv_includes_learners_with_completions_but_no_enrollment(editor_client, course):
    dora = User.objects.create_user("dora", "dora@example.com", PASSWORD)
    complete(dora, course.lessons.get(order=1), day=7)
    rows = list(csv.DictReader(io.StringIO(editor_client.get(csv_url(course)).content.decode())))
    dora_row = next(row for row in rows if row["username"] == "dora")
    assert (dora_row["completed"], dora_row["started"]) == ("1", at(7).isoformat())


def test_csv_defuses_cells_a_spreadsheet_would_run_as_formulas(editor_client, course):
    mallory = User.objects.create_user("-2+3", "mallory@example.com", PASSWORD)
    enroll(mallory, course, day=8)
    rows = list(csv.DictReader(io.StringIO(editor_client.get(csv_url(course)).content.decode())))
    assert "'-2+3" in [row["username"] for row in rows]


def test_course_list_and_page_link_to_the_report(editor_client, course):
    link = report_url(course).encode()
    assert link in editor_client.get(reverse("admin:courses_course_changelist")).content
    change = editor_client.get(reverse("admin:courses_course_change", args=[course.pk]))
    assert link in change.content


@pytest.mark.parametrize("url", [report_url, csv_url])
def test_anonymous_visitor_gets_the_admin_login(client, course, url):
    response = client.get(url(course))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("url", [report_url, csv_url])
def test_learner_gets_the_admin_login(learner_client, course, url):
    response = learner_client.get(url(course))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.fixture
def staff_without_report_permission(client, db):
    user = User.objects.create_user("sam", "sam@example.com", PASSWORD, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="courses", codename__startswith="view")
    )
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", [report_url, csv_url])
def test_staff_without_view_completion_permission_is_refused(
    staff_without_report_permission, course, url
):
    assert staff_without_report_permission.get(url(course)).status_code == 403


def test_staff_without_view_completion_permission_sees_no_report_link(
    staff_without_report_permission, course
):
    response = staff_without_report_permission.get(reverse("admin:courses_course_changelist"))
    assert response.status_code == 200
    assert report_url(course).encode() not in response.content


def test_report_of_a_missing_course_is_not_found(editor_client):
    assert (
        editor_client.get(reverse("admin:courses_course_progress", args=[999])).status_code == 404
    )
