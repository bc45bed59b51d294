"""import_progress: staff restore a learner's own JSON export, matching lessons by doc id."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from courses.models import Lesson
from learners.models import Completion, Enrollment
from tests.makers import lessons_of, make_completions, make_course_with_lessons

pytestmark = pytest.mark.django_db

EXPORT = reverse("learners:export")


def complete(client, lesson):
    url = reverse("learners:complete", args=[lesson.course.slug, lesson.path])
    assert client.post(url).status_code == 302


def completions_of(user):
    return set(Completion.objects.for_user(user).values_list("lesson_id", "completed_at"))


def export(client, tmp_path):
    path = tmp_path / "progress.json"
    path.write_bytes(client.get(EXPORT).content)
    return path


def import_progress(path, username):
    out = StringIO()
    call_command("import_progress", str(path), user=username, stdout=out)
    return out.getvalue()


@pytest.fixture
def courses(db):
    return make_course_with_lessons(count=3, slug="first"), make_course_with_lessons(
        count=2, slug="second"
    )


@pytest.fixture
def progress_file(learner_client, learner, courses, tmp_path):
    """The learner's export after completing two lessons of one course and one of the
    other; the second course's lesson has since been archived."""
    first, second = map(lessons_of, courses)
    for lesson in [first[0], first[1], second[0]]:
        complete(learner_client, lesson)
    Lesson.objects.filter(pk=second[0].pk).update(archived=True)
    return export(learner_client, tmp_path)


def test_export_deleted_and_imported_back_restores_every_completion(learner, progress_file):
    before = completions_of(learner)
    Completion.objects.all().delete()
    Enrollment.objects.all().delete()

    output = import_progress(progress_file, learner.username)

    assert completions_of(learner) == before
    assert "ada: 3 completions restored, 0 already there, 0 unmatched." in output
    assert set(Enrollment.objects.values_list("course__slug", flat=True)) == {"first", "second"}


def test_restored_completions_count_as_read_in_the_current_version(learner, progress_file):
    Completion.objects.all().delete()
    import_progress(progress_file, learner.username)
    for completion in Completion.objects.select_related("lesson"):
        assert completion.content_hash == completion.lesson.content_hash


def test_importing_twice_changes_nothing(learner, progress_file):
    Completion.objects.all().delete()
    import_progress(progress_file, learner.username)
    before = completions_of(learner)
    output = import_progress(progress_file, learner.username)
    assert completions_of(learner) == before
    assert "0 completions restored, 3 already there" in output


def test_existing_completions_are_kept_as_they_are(learner, progress_file):
    kept = Completion.objects.order_by("completed_at").first()
    Completion.objects.exclude(pk=kept.pk).delete()
    Completion.objects.filter(pk=kept.pk).update(completed_at=kept.completed_at.replace(year=2020))
    output = import_progress(progress_file, learner.username)
    assert "2 completions restored, 1 already there" in output
    assert Completion.objects.get(pk=kept.pk).completed_at.year == 2020


def test_lessons_are_matched_by_doc_id_when_their_url_changed(learner, progress_file):
    Completion.objects.all().delete()
    for lesson in Lesson.objects.filter(course__slug="first"):
        Lesson.objects.filter(pk=lesson.pk).update(path=f"renamed-{lesson.pk}")
    assert "3 completions restored" in import_progress(progress_file, learner.username)


def test_lessons_no_longer_there_are_reported_and_the_rest_restored(learner, progress_file):
    Completion.objects.all().delete()
    Lesson.objects.get(course__slug="first", order=1).delete()
    output = import_progress(progress_file, learner.username)
    assert "2 completions restored, 0 already there, 1 unmatched." in output
    assert "unmatched: no lesson 'part-1/lesson-2' in course 'first'" in output


def test_staff_may_restore_an_export_into_another_account(learner, other_learner, progress_file):
    make_completions(other_learner, lessons_of(make_course_with_lessons(count=1, slug="own")))
    import_progress(progress_file, other_learner.username)
    restored = Completion.objects.for_user(other_learner).values_list(
        "lesson__doc_id", "course__slug"
    )
    assert sorted(restored) == [
        ("part-1/lesson-1", "first"),
        ("part-1/lesson-1", "own"),
        ("part-1/lesson-1", "second"),
        ("part-1/lesson-2", "first"),
    ]
    assert Completion.objects.for_user(learner).count() == 3


def test_restored_course_shows_on_the_learners_dashboard(learner_client, learner, progress_file):
    Completion.objects.all().delete()
    Enrollment.objects.all().delete()
    import_progress(progress_file, learner.username)
    html = learner_client.get(reverse("learners:dashboard")).content.decode()
    assert "2 of 3 lessons completed" in html


# Bad input


def test_unknown_user_is_a_clear_error(db, progress_file):
    with pytest.raises(CommandError, match="There is no user named 'nobody'."):
        import_progress(progress_file, "nobody")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON: Expecting property name"),
        (b"\xff\xfe", "is not valid JSON"),
        ('{"completions": []}', 'is not a Coursebook progress export (no "format"'),
        ('["coursebook-progress"]', "is not a Coursebook progress export"),
        ('{"format": "coursebook-progress", "version": 2}', "is a version 2 export"),
        ('{"format": "coursebook-progress", "version": 1}', 'has no "completions" list'),
    ],
)
def test_a_file_that_is_not_an_export_is_a_clear_error(learner, tmp_path, content, message):
    path = tmp_path / "progress.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        import_progress(path, learner.username)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x", "is not an object"),
        ({"course": "first", "lesson": 3, "completed_at": "2025-01-01T00:00:00+00:00"}, "as text"),
        (
            {"course": "first", "lesson": "part-1/lesson-3", "completed_at": "yesterday"},
            "not a date",
        ),
        (
            {"course": "first", "lesson": "part-1/lesson-3", "completed_at": "2025-13-45T00:00"},
            "not a date",
        ),
    ],
)
def test_a_bad_row_is_an_error_and_nothing_is_restored(learner, progress_file, row, message):
    data = json.loads(progress_file.read_text())
    data["completions"].insert(1, row)
    progress_file.write_text(json.dumps(data))
    Completion.objects.all().delete()
    with pytest.raises(CommandError, match=f"completion 2.*{message}"):
        import_progress(progress_file, learner.username)
    assert not Completion.objects.exists()


def test_a_missing_file_is_a_clear_error(learner, tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*missing.json: No such file"):
        import_progress(tmp_path / "missing.json", learner.username)


def test_naive_times_are_read_as_utc(learner, courses, tmp_path):
    lesson = lessons_of(courses[0])[0]
    path = tmp_path / "progress.json"
    path.write_text(
        json.dumps(
            {
                "format": "coursebook-progress",
                "version": 1,
                "completions": [
                    {
                        "course": "first",
                        "lesson": lesson.doc_id,
                        "completed_at": "2025-03-04T05:06:07",
                    }
                ],
            }
        )
    )
    import_progress(path, learner.username)
    completed_at = Completion.objects.get().completed_at
    assert completed_at.isoformat() == "2025-03-04T05:06:07+00:00"
