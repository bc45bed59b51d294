"""What the reading pages show of the person reading them: a learner's counts, checkmarks,
Continue, the Mark complete form and their own checklist; for a visitor, none of that.

The pages are courses' (courses/prerendered.py renders each once per course version and set
of facts). courses never imports learners: it finds this module through settings.READER_PARTS
and asks it, for each request, for the reader's *facts* (what the page is rendered for) and
*values* (what fills its holes; functions here run only when the page prints them).
"""

from functools import partial

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from courses.prerendered import Reader
from learners import checklists, progress
from learners.progress import reading_progress, record_opened


def course(request, outline):
    """The course page: Start course, Continue or Review, where it goes, the learner's count
    and bar, and the contents with their checkmarks."""
    progress = reading_progress(request.user, outline)
    return Reader(
        facts={"action": progress.action},
        values={
            "done": lambda: progress.done,
            "next_url": lambda: progress.next_lesson.url,
            "next_label": lambda: progress.next_lesson.label,
            "contents": partial(course_contents, request, progress),
        },
    )


def lesson(request, outline, lesson):
    """The lesson page: where the learner is with the lesson (the Mark complete form's state),
    their count, the outline with their checkmarks, and their checklist. The first lesson a
    learner opens in a course records that they opened it."""
    user = request.user
    progress = reading_progress(user, outline)
    record_opened(user, progress)
    return Reader(
        facts={"state": lesson_state(progress, lesson.id) if user.is_authenticated else None},
        values={
            "done": lambda: progress.done,
            "outline": partial(outline_list, progress, lesson),
            "body": partial(lesson_body, request, lesson.id),
        },
    )


def completed_among(request, lesson_ids):
    """The search page: which of the lessons it shows the learner has completed."""
    return progress.completed_among(request.user, lesson_ids)


def lesson_state(progress, lesson_id):
    """ "updated" (completed, and changed since), "done", "last" (the only lesson left in the
    course) or "to do"."""
    if lesson_id in progress.updated_ids:
        return "updated"
    if lesson_id in progress.done_ids:
        return "done"
    if lesson_id == progress.last_lesson_left_id:
        return "last"
    return "to do"


def outline_list(progress, lesson):
    """The lesson page's sidebar for a learner: the course outline with their checkmarks,
    badges and section counts, `lesson` marked and its sections unfolded."""
    outline = progress.outline
    return outline.html().render(
        done_ids=progress.done_ids,
        updated_ids=progress.updated_ids,
        signed_in=True,
        current_id=lesson.id,
        open_ids=outline.section_chain_ids(lesson.section_id),
    )


def course_contents(request, progress):
    """The course page's contents. A large course lists the lessons of the section the
    learner reads next, and of the one asked for with ?section=; the rest fold to links."""
    outline = progress.outline
    html = outline.html(contents=True)
    open_ids = None
    if html.fold:
        next_lesson = progress.next_lesson
        open_ids = outline.section_chain_ids(next_lesson.section_id if next_lesson else None)
        asked_for = request.GET.get("section", "")
        if asked_for.isascii() and asked_for.isdigit():
            open_ids |= outline.section_chain_ids(int(asked_for))
    return html.render(
        done_ids=progress.done_ids,
        updated_ids=progress.updated_ids,
        signed_in=request.user.is_authenticated,
        open_ids=open_ids,
    )


def lesson_body(request, lesson_id):
    """The body of a lesson with a checklist: a learner's own checkboxes, ticked as they left
    them, with the form that saves them after the last task list; for a visitor, the boxes
    read-only and a prompt to sign in. One query."""
    user = request.user
    checklist = checklists.checklist(user, lesson_id)
    body = checklist.body_html
    if user.is_authenticated:
        body = checklists.own_checkboxes(body, checklist.ticks)
    action = reverse("learners:checklist", args=[checklist.course_slug, checklist.lesson_path])
    form = render_to_string("learners/_checklist_form.html", {"action": action}, request)
    return mark_safe(checklists.after_last_task_list(body, form))  # noqa: S308 - sanitised at import
