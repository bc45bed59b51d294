import json
from dataclasses import dataclass, field
from datetime import UTC

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from courses.models import Lesson
from learners.models import Completion, Enrollment

EXPORT_FORMAT = "coursebook-progress"
EXPORT_VERSION = 1


@dataclass
class Restored:
    restored: int = 0
    already_there: int = 0
    unmatched: list = field(default_factory=list)


def read_export(path):
    """The completions of a learner's progress export (the dashboard's "Download your
    progress"), as {(course slug, doc id): completed_at}; the earliest time wins for
    repeated rows."""
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CommandError(f"{path} is not valid JSON: {error}.") from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise CommandError(
            f'{path} is not a Coursebook progress export (no "format": "{EXPORT_FORMAT}").'
        )
    if data.get("version") != EXPORT_VERSION:
        raise CommandError(
            f"{path} is a version {data.get('version')!r} export; this Coursebook reads "
            f"version {EXPORT_VERSION}."
        )
    if not isinstance(data.get("completions"), list):
        raise CommandError(f'{path} has no "completions" list.')
    completions = {}
    for number, row in enumerate(data["completions"], start=1):
        key, completed_at = _completion(row, f"{path}, completion {number}")
        completions[key] = min(completed_at, completions.get(key, completed_at))
    return completions


def _completion(row, where):
    if not isinstance(row, dict):
        raise CommandError(f"{where} is not an object.")
    course, lesson, when = row.get("course"), row.get("lesson"), row.get("completed_at")
    if not (isinstance(course, str) and isinstance(lesson, str) and isinstance(when, str)):
        raise CommandError(f'{where} needs "course", "lesson" and "completed_at" as text.')
    try:
        completed_at = parse_datetime(when)
    except ValueError:
        completed_at = None
    if completed_at is None:
        raise CommandError(f"{where}: {when!r} is not a date and time.")
    if timezone.is_naive(completed_at):
        completed_at = timezone.make_aware(completed_at, UTC)
    return (course, lesson), completed_at


@transaction.atomic
def restore_completions(user, completions):
    """Add the completions `user` does not have yet, matching lessons by course slug and
    doc id (archived lessons included, as the export keeps them). Existing completions
    are left as they are, so importing the same file twice changes nothing."""
    lessons = {
        (lesson.course.slug, lesson.doc_id): lesson
        for lesson in Lesson.objects.select_related("course").filter(
            course__slug__in={course for course, _ in completions},
            doc_id__in={doc_id for _, doc_id in completions},
        )
    }
    result = Restored(unmatched=sorted(key for key in completions if key not in lessons))
    matched = {key: lessons[key] for key in completions if key in lessons}
    have = set(
        Completion.objects.for_user(user)
        .filter(lesson__in=matched.values())
        .values_list("lesson_id", flat=True)
    )
    new = [
        Completion(
            user=user,
            lesson=lesson,
            course=lesson.course,
            completed_at=completions[key],
            # The export does not say which version was read; the current one is assumed,
            # so a restore does not flag every lesson as changed.
            content_hash=lesson.content_hash,
        )
        for key, lesson in matched.items()
        if lesson.pk not in have
    ]
    Completion.objects.bulk_create(new, ignore_conflicts=True)
    started = {}
    for completion in new:
        course_id, at = completion.course.pk, completion.completed_at
        started[course_id] = min(at, started.get(course_id, at))
    Enrollment.objects.bulk_create(
        [Enrollment(user=user, course_id=pk, started_at=at) for pk, at in started.items()],
        ignore_conflicts=True,
    )
    result.restored = len(new)
    result.already_there = len(matched) - len(new)
    return result


class Command(BaseCommand):
    help = (
        "Restore a learner's progress from their JSON export (the dashboard's 'Download "
        "your progress'). Lessons are matched by course slug and doc id; completions the "
        "learner already has are kept, so running it twice is harmless."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="The coursebook-progress JSON file.")
        parser.add_argument(
            "--user", required=True, help="Username of the account to restore into."
        )

    def handle(self, *args, **options):
        User = get_user_model()  # noqa: N806
        try:
            user = User.objects.get_by_natural_key(options["user"])
        except User.DoesNotExist:
            raise CommandError(f"There is no user named {options['user']!r}.") from None
        completions = read_export(options["file"])
        result = restore_completions(user, completions)
        restored = f"{result.restored} completion{'' if result.restored == 1 else 's'}"
        self.stdout.write(
            f"{user.get_username()}: {restored} restored, {result.already_there} already "
            f"there, {len(result.unmatched)} unmatched."
        )
        if options["verbosity"] >= 1:
            for course, doc_id in result.unmatched:
                self.stdout.write(f"  unmatched: no lesson {doc_id!r} in course {course!r}")
