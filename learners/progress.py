"""One learner's progress: what they completed, where to continue, what changed since."""

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from courses.models import Course
from courses.outline import get_outline
from learners.models import Completion, Enrollment

LISTED_LESSON = Q(lesson__draft=False, lesson__archived=False, lesson__unlisted=False)


def completed_lessons(user, course=None):
    """{lesson id: content hash it was completed against}, from one query."""
    if not user.is_authenticated:
        return {}
    completions = Completion.objects.for_user(user)
    if course is not None:
        completions = completions.in_course(course)
    return dict(completions.values_list("lesson_id", "content_hash"))


def completed_counts_by_course(user):
    """{course id: number of listed lessons completed}, from one query."""
    if not user.is_authenticated:
        return {}
    rows = (
        Completion.objects.for_user(user)
        .filter(LISTED_LESSON)
        .values("course_id")
        .annotate(done=Count("id"))
        .values_list("course_id", "done")
    )
    return dict(rows)


@dataclass
class CourseProgress:
    """A learner's progress through one course's outline."""

    user: object
    outline: object
    completed: dict

    @cached_property
    def done_ids(self):
        return frozenset(self.completed)

    @cached_property
    def done(self):
        return len(self.outline.listed_ids & self.done_ids)

    @property
    def total(self):
        return self.outline.total

    @property
    def is_started(self):
        return bool(self.completed)

    @property
    def is_complete(self):
        """Derived on every read, so new lessons reopen a finished course."""
        return self.total > 0 and self.done == self.total

    @cached_property
    def updated_ids(self):
        """Completed lessons whose text changed since they were completed."""
        return frozenset(
            lesson_id
            for lesson_id, completed_hash in self.completed.items()
            if lesson_id in self.outline.published
            and self.outline.published[lesson_id].content_hash != completed_hash
        )

    @cached_property
    def last_opened_id(self):
        if not self.user.is_authenticated:
            return None
        return (
            Enrollment.objects.filter(user=self.user, course_id=self.outline.course_id)
            .values_list("last_lesson_id", flat=True)
            .first()
        )

    @cached_property
    def next_lesson(self):
        """Where "Continue" goes: the first unread lesson from the one last opened onwards
        (wrapping round), or the first lesson when there is nothing left to read."""
        for item in self.outline.lessons_from(self.last_opened_id):
            if item.id not in self.completed:
                return item
        return self.outline.first

    @property
    def action(self):
        if self.is_complete:
            return "Review"
        if self.is_started or self.last_opened_id:
            return "Continue"
        return "Start course"


def course_progress(user, course, completed=None):
    """`user`'s progress in `course`; `completed` may be passed in when already fetched."""
    outline = get_outline(course)
    if completed is None:
        completed = completed_lessons(user, course)
    return CourseProgress(user=user, outline=outline, completed=completed)


def mark_complete(user, lesson):
    """Record the completion once, however often or concurrently it is submitted; a repeat
    refreshes the remembered content hash (the learner has read the new text)."""
    Completion.objects.bulk_create(
        [
            Completion(
                user=user,
                lesson=lesson,
                course_id=lesson.course_id,
                content_hash=lesson.content_hash,
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "lesson"],
        update_fields=["content_hash"],
    )
    Enrollment.objects.bulk_create(
        [Enrollment(user=user, course_id=lesson.course_id, last_lesson=lesson)],
        ignore_conflicts=True,
    )
    progress = course_progress(user, lesson.course)
    if progress.is_complete:
        Enrollment.objects.filter(user=user, course=lesson.course, completed_at=None).update(
            completed_at=timezone.now()
        )
    return progress


def mark_incomplete(user, lesson):
    Completion.objects.for_user(user).filter(lesson=lesson).delete()
    Enrollment.objects.filter(user=user, course=lesson.course).update(completed_at=None)


def reset_course(user, course):
    """Forget the learner's completions and reading position in one course."""
    Completion.objects.for_user(user).in_course(course).delete()
    Enrollment.objects.filter(user=user, course=course).delete()


def record_last_lesson(user, lesson):
    """Remember `lesson` as where the learner is in its course; writes only on a change."""
    if not user.is_authenticated:
        return
    enrollments = Enrollment.objects.filter(user=user, course_id=lesson.course_id)
    last_lessons = list(enrollments.values_list("last_lesson_id", flat=True))
    if not last_lessons:
        Enrollment.objects.bulk_create(
            [Enrollment(user=user, course_id=lesson.course_id, last_lesson=lesson)],
            ignore_conflicts=True,
        )
    elif last_lessons[0] != lesson.id:
        enrollments.update(last_lesson=lesson)


@dataclass
class CourseSummary:
    course: Course
    done: int
    total: int
    last_completed_at: object = None

    @property
    def is_complete(self):
        return self.total > 0 and self.done == self.total

    @property
    def continue_url(self):
        return reverse("learners:continue", args=[self.course.slug])


def learner_courses(user):
    """Every course the learner has opened or completed a lesson in, with counts: two
    queries whatever the number of courses."""
    listed = Q(lessons__draft=False, lessons__archived=False, lessons__unlisted=False)
    courses = (
        Course.objects.filter(
            Q(pk__in=Enrollment.objects.filter(user=user).values("course_id"))
            | Q(pk__in=Completion.objects.for_user(user).values("course_id"))
        )
        .ordered()
        .annotate(lesson_count=Count("lessons", filter=listed))
    )
    done = {
        row["course_id"]: row
        for row in Completion.objects.for_user(user)
        .filter(LISTED_LESSON)
        .values("course_id")
        .annotate(done=Count("id"), last=Max("completed_at"))
    }
    return [
        CourseSummary(
            course=course,
            done=done.get(course.pk, {}).get("done", 0),
            total=course.lesson_count,
            last_completed_at=done.get(course.pk, {}).get("last"),
        )
        for course in courses
    ]


def recent_completions(user, limit=10):
    return (
        Completion.objects.for_user(user)
        .filter(LISTED_LESSON)
        .select_related("lesson__course")
        .order_by("-completed_at")[:limit]
    )


def export_progress(user):
    """The learner's completions as plain data: the format staff can import back."""
    completions = (
        Completion.objects.for_user(user)
        .order_by("course__slug", "completed_at")
        .values_list("course__slug", "lesson__doc_id", "completed_at")
    )
    return {
        "format": "coursebook-progress",
        "version": 1,
        "username": user.get_username(),
        "exported_at": timezone.now().isoformat(),
        "completions": [
            {"course": slug, "lesson": doc_id, "completed_at": completed_at.isoformat()}
            for slug, doc_id, completed_at in completions
        ],
    }
