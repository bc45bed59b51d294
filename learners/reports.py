"""Learners' progress through one course, for staff: a page in the admin and a CSV file.

"Finished" is derived on read, as everywhere else: a learner has finished when they have
completed every listed, published lesson the course has now.
"""

import csv
from dataclasses import dataclass
from datetime import datetime

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Max, Min, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from courses.models import Course, Lesson
from learners import checklists
from learners.models import Completion, Enrollment

CSV_COLUMNS = [
    "username",
    "email",
    "completed",
    "total",
    "percent",
    "started",
    "last_activity",
    "finished",
]
# Spreadsheets run cells that start with these as formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class LearnerProgress:
    username: str
    email: str
    total: int
    started: datetime
    last_activity: datetime
    completed: int = 0

    @property
    def percent(self):
        return round(100 * self.completed / self.total) if self.total else 0

    @property
    def finished(self):
        return self.total > 0 and self.completed >= self.total


def lesson_completion_counts(course):
    """The course's listed lessons in reading order, each with how many learners completed it."""
    return list(
        Lesson.objects.listed()
        .filter(course=course)
        .order_by("order")
        .values("pk", "title", "sidebar_label", "section__title")
        .annotate(completed=Count("completions"))
    )


def learner_progress(course, total):
    """One row per learner who enrolled in the course or completed any of its lessons."""
    learners = {}
    enrollments = Enrollment.objects.filter(course=course).values(
        "user_id", "user__username", "user__email", "started_at"
    )
    for enrollment in enrollments:
        learners[enrollment["user_id"]] = LearnerProgress(
            username=enrollment["user__username"],
            email=enrollment["user__email"],
            total=total,
            started=enrollment["started_at"],
            last_activity=enrollment["started_at"],
        )
    counted = Q(lesson__draft=False, lesson__archived=False, lesson__unlisted=False)
    activity = (
        Completion.objects.in_course(course)
        .values("user_id", "user__username", "user__email")
        .annotate(
            completed=Count("pk", filter=counted),
            first=Min("completed_at"),
            last=Max("completed_at"),
        )
        .order_by()
    )
    for row in activity:
        learner = learners.setdefault(
            row["user_id"],
            LearnerProgress(
                username=row["user__username"],
                email=row["user__email"],
                total=total,
                started=row["first"],
                last_activity=row["last"],
            ),
        )
        learner.completed = row["completed"]
        learner.last_activity = max(learner.last_activity, row["last"])
    return sorted(learners.values(), key=lambda learner: learner.username)


def bar_chart(lessons, learner_count):
    """Chart rows: each lesson's share of learners, and where the most learners dropped off."""
    rows, previous = [], None
    for lesson in lessons:
        share = lesson["completed"] / learner_count if learner_count else 0
        drop = previous - lesson["completed"] if previous is not None else 0
        rows.append(
            {
                **lesson,
                "label": lesson["sidebar_label"] or lesson["title"],
                "percent": round(100 * share),
                "width": f"{100 * share:.1f}",
                "drop": max(drop, 0),
            }
        )
        previous = lesson["completed"]
    biggest = max(rows, key=lambda row: row["drop"], default=None)
    if biggest and biggest["drop"] > 0:
        biggest["biggest_drop"] = True
    return rows


def archived_completions(course):
    """Progress attached to lessons that were removed from the course folder or archived."""
    return list(
        Completion.objects.in_course(course)
        .filter(lesson__archived=True)
        .values("lesson_id", "lesson__title", "lesson__doc_id")
        .annotate(completions=Count("pk"), last=Max("completed_at"))
        .order_by("lesson__title")
    )


@staff_member_required
@permission_required("learners.view_completion", raise_exception=True)
def course_progress(request, course_id):
    course = get_object_or_404(Course, pk=course_id)
    lessons = lesson_completion_counts(course)
    learners = learner_progress(course, total=len(lessons))
    chart = bar_chart(lessons, len(learners))
    context = {
        **admin.site.each_context(request),
        "title": f"Progress report: {course}",
        "opts": Course._meta,
        "course": course,
        "learner_count": len(learners),
        "finished_count": sum(learner.finished for learner in learners),
        "chart": chart,
        "biggest_drop": next((row for row in chart if row.get("biggest_drop")), None),
        "archived": archived_completions(course),
        "checklists": checklists.tick_counts(course),
    }
    return TemplateResponse(request, "admin/learners/course_progress.html", context)


def spreadsheet_safe(text):
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


@staff_member_required
@permission_required("learners.view_completion", raise_exception=True)
def course_progress_csv(request, course_id):
    course = get_object_or_404(Course, pk=course_id)
    total = Lesson.objects.listed().filter(course=course).count()
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{course.slug}-progress.csv"'},
    )
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for learner in learner_progress(course, total):
        writer.writerow(
            [
                spreadsheet_safe(learner.username),
                spreadsheet_safe(learner.email),
                learner.completed,
                learner.total,
                learner.percent,
                learner.started.isoformat(),
                learner.last_activity.isoformat(),
                "yes" if learner.finished else "no",
            ]
        )
    return response
