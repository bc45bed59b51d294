"""A lesson's task lists as the signed-in learner's own checklist.

The rendered lesson carries one read-only checkbox per task item, keyed by the item's text
(`courses.rendering.tasklists`). Here those checkboxes become the learner's: ticked as they
left them, and part of the lesson's checklist form, which saves them with or without
JavaScript.
"""

import re
from dataclasses import dataclass

from django.db.models import Count, FilteredRelation, Q
from django.utils.html import escape

from courses.models import Lesson
from courses.rendering.tasklists import CHECKBOX, task_items
from learners.models import ChecklistTick

# The id of the lesson page's checklist form, which the checkboxes in the body belong to.
FORM_ID = "checklist"
LIST_TAG = re.compile(r"<(?P<closing>/?)(?:ul|ol)\b(?P<attributes>[^>]*)>")
TASK_LIST_CLASS = re.compile(r'class="(?:[^"]*\s)?task-list(?:\s[^"]*)?"')


def ticks(user, lesson):
    """{item key: ticked} for the items `user` ticked or unticked in `lesson`."""
    return dict(
        ChecklistTick.objects.filter(user=user, lesson=lesson).values_list("item_key", "ticked")
    )


@dataclass
class Checklist:
    """A lesson's body as one reader sees it, with what its checklist form needs."""

    body_html: str
    course_slug: str
    lesson_path: str
    ticks: dict


def checklist(user, lesson_id):
    """The lesson's body and `user`'s ticks in it (none for a visitor), from one query."""
    lessons = Lesson.objects.filter(pk=lesson_id)
    if not user.is_authenticated:
        row = lessons.values_list("body__html", "course__slug", "path").get()
        return Checklist(*row, ticks={})
    own = FilteredRelation("checklist_ticks", condition=Q(checklist_ticks__user=user))
    rows = lessons.annotate(own=own).values_list(
        "body__html", "course__slug", "path", "own__item_key", "own__ticked"
    )
    rows = list(rows)
    state = {key: ticked for *_, key, ticked in rows if key is not None}
    return Checklist(*rows[0][:3], ticks=state)


def own_checkboxes(body_html, state):
    """`body_html` with its task-list checkboxes the learner's to tick, as `state` ({item key:
    ticked}) says, each one part of the checklist form."""

    def own_checkbox(match):
        key = match.group("key")
        checked = " checked" if state.get(key, bool(match.group("checked"))) else ""
        return (
            f'<input type="checkbox" class="task-list-item-checkbox" data-task="{escape(key)}"'
            f' name="ticked" value="{escape(key)}" form="{FORM_ID}"{checked}>'
        )

    return CHECKBOX.sub(own_checkbox, body_html)


def after_last_task_list(body_html, insertion):
    """`body_html` with `insertion` right after its last task list (one not inside another),
    so that the checklist's form or prompt is where the reader ticks."""
    task_lists = []  # for each list open at this point: whether it is a task list
    end = len(body_html)
    for match in LIST_TAG.finditer(body_html):
        if not match.group("closing"):
            task_lists.append(bool(TASK_LIST_CLASS.search(match.group("attributes"))))
        elif task_lists and task_lists.pop() and not any(task_lists):
            end = match.end()
    return body_html[:end] + insertion + body_html[end:]


def save_ticks(user, lesson, ticked, keys=None):
    """Set `user`'s state of the items `keys` of `lesson` (every item when None): ticked
    for those in `ticked`, unticked for the rest. Keys the lesson does not have are ignored.
    Returns the keys the learner has ticked in the lesson now, in reading order."""
    items = task_items(lesson.body.html)
    known = {item.key for item in items}
    keys = known if keys is None else known & set(keys)
    ChecklistTick.objects.bulk_create(
        [
            ChecklistTick(user=user, lesson=lesson, item_key=key, ticked=key in ticked)
            for key in sorted(keys)
        ],
        update_conflicts=True,
        unique_fields=["user", "lesson", "item_key"],
        update_fields=["ticked", "updated_at"],
    )
    state = ticks(user, lesson)
    return [item.key for item in items if state.get(item.key, item.checked)]


@dataclass
class ItemCount:
    text: str
    ticked_by: int


@dataclass
class LessonChecklist:
    lesson_id: int
    title: str
    items: list


def tick_counts(course):
    """For each listed lesson of `course` with a checklist, in reading order: its items and
    how many learners have each one ticked. Two queries."""
    lessons = (
        Lesson.objects.listed()
        .filter(course=course, body__html__contains='class="task-list-item-checkbox"')
        .select_related("body")
        .order_by("order")
        .only("pk", "title", "body__html")
    )
    counts = {
        (row["lesson_id"], row["item_key"]): row["learners"]
        for row in ChecklistTick.objects.filter(lesson__course=course, ticked=True)
        .values("lesson_id", "item_key")
        .annotate(learners=Count("user_id"))
        .order_by()
    }
    return [
        LessonChecklist(
            lesson_id=lesson.pk,
            title=lesson.title,
            items=[
                ItemCount(text=item.text, ticked_by=counts.get((lesson.pk, item.key), 0))
                for item in task_items(lesson.body.html)
            ],
        )
        for lesson in lessons
    ]
