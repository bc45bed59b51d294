"""The learner's progress on the catalogue and the dashboard. (The course, lesson and search
pages get theirs from learners.reading.)

Completions are fetched once per request and shared by every tag on the page."""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from learners import progress
from learners.progress import CourseSummary

register = template.Library()


def _per_request(context, key, fetch):
    request = context.get("request")
    if request is None:
        return fetch()
    cache = request.__dict__.setdefault("_learner_progress", {})
    if key not in cache:
        cache[key] = fetch()
    return cache[key]


@register.simple_tag(takes_context=True)
def course_summary(context, course, total):
    """Done/total counts and the lesson to read next for a catalogue card; two queries
    cover every card on the page (one when the learner has completed nothing)."""
    user = context["user"]
    counts = _per_request(context, ("counts",), lambda: progress.completed_counts_by_course(user))
    next_up = _per_request(context, ("next",), lambda: progress.next_lessons(user, list(counts)))
    return CourseSummary(
        course=course,
        done=counts.get(course.pk, 0),
        total=total,
        next_lesson=next_up.get(course.pk),
    )


@register.filter
def time_ago(moment):
    """ "just now" under a minute ago, else "3 minutes ago", "2 days, 4 hours ago"."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"
