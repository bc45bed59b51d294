"""The learner's progress on course pages, which `courses` shows without importing `learners`.

Completions are fetched once per request (per course, or once for all courses) and shared
by every tag on the page."""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from learners import checklists, progress
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


def _completed(context, course_id=None):
    user = context["user"]
    return _per_request(
        context,
        ("completed", course_id),
        lambda: progress.completed_lessons(user, course_id),
    )


@register.simple_tag(takes_context=True)
def completed_lesson_ids(context, course=None):
    """Ids of the signed-in learner's completed lessons, in `course` or in every course;
    an empty set for visitors."""
    course_id = None if course is None else getattr(course, "pk", course)
    return frozenset(_completed(context, course_id))


@register.simple_tag(takes_context=True)
def course_progress(context, outline):
    """The learner's CourseProgress through `outline` (checkmarks, counts, Continue)."""
    return progress.CourseProgress(
        outline=outline, completed=_completed(context, outline.course_id)
    )


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


@register.simple_tag(takes_context=True)
def outline_list(context, course_progress, current):
    """The lesson page's sidebar: the course outline with the learner's checkmarks, badges and
    section counts, the `current` lesson marked and its sections unfolded."""
    outline = course_progress.outline
    return outline.html().render(
        done_ids=course_progress.done_ids,
        updated_ids=course_progress.updated_ids,
        signed_in=context["user"].is_authenticated,
        current_id=current.id,
        open_ids=outline.section_chain_ids(current.section_id),
    )


@register.simple_tag(takes_context=True)
def course_contents(context, course_progress):
    """The course page's contents. A large course lists the lessons of the section the
    learner reads next, and of the one asked for with ?section=; the rest fold to links."""
    outline = course_progress.outline
    html = outline.html(contents=True)
    open_ids = None
    if html.fold:
        next_lesson = course_progress.next_lesson
        open_ids = outline.section_chain_ids(next_lesson.section_id if next_lesson else None)
        asked_for = context["request"].GET.get("section", "")
        if asked_for.isascii() and asked_for.isdigit():
            open_ids |= outline.section_chain_ids(int(asked_for))
    return html.render(
        done_ids=course_progress.done_ids,
        updated_ids=course_progress.updated_ids,
        signed_in=context["user"].is_authenticated,
        open_ids=open_ids,
    )


@register.simple_tag(takes_context=True)
def record_opened(context, course_progress):
    """Remember that the signed-in learner opened the course; writes the first time only."""
    progress.record_opened(context["user"], course_progress)
    return ""


@register.simple_tag(takes_context=True)
def lesson_body(context, lesson):
    """The lesson's body. Its task lists are the signed-in learner's own checklist, with the
    form that saves it after the last list; visitors see them read-only, and a prompt to
    sign in."""
    if not checklists.has_checklist(lesson):
        return mark_safe(lesson.body.html)  # noqa: S308 - sanitised when imported or saved
    user = context["user"]
    body = checklists.own_checkboxes(user, lesson) if user.is_authenticated else lesson.body.html
    with context.push(lesson=lesson):
        form = context.template.engine.get_template("learners/_checklist_form.html").render(
            context
        )
    return mark_safe(checklists.after_last_task_list(body, form))  # noqa: S308


@register.filter
def time_ago(moment):
    """ "just now" under a minute ago, else "3 minutes ago", "2 days, 4 hours ago"."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"
