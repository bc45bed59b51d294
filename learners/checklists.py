"""A lesson's task lists as the signed-in learner's own checklist.

The rendered lesson carries one read-only checkbox per task item, keyed by the item's text
(`courses.tasklists`). Here those checkboxes become the learner's: ticked as they left them,
and part of the lesson's checklist form, which saves them with or without JavaScript.
"""

from dataclasses import dataclass

from django.db.models import Count
from django.utils.html import escape
from django.utils.safestring import mark_safe

from courses.models import Lesson
from courses.tasklists import CHECKBOX, task_items
from learners.models import ChecklistTick

# The id of the lesson page's checklist form, which the checkboxes in the body belong to.
FORM_ID = "checklist"


@dataclass
class Checklist:
    """A lesson body ready to print, and whether it has a checklist at all."""

    body: str
    has_items: bool


def ticks(user, lesson):
    """{item key: ticked} for the items `user` ticked or unticked in `lesson`."""
    return dict(
        ChecklistTick.objects.filter(user=user, lesson=lesson).values_list("item_key", "ticked")
    )


def lesson_checklist(user, lesson):
    """The lesson's body for `user`: the task-list checkboxes theirs to tick when signed in,
    read-only for visitors. One query, only for a signed-in learner on a lesson with items."""
    body_html = lesson.body_html
    if not CHECKBOX.search(body_html):
        return Checklist(body=mark_safe(body_html), has_items=False)  # noqa: S308 - sanitised at import
    if not user.is_authenticated:
        return Checklist(body=mark_safe(body_html), has_items=True)  # noqa: S308
    state = ticks(user, lesson)

    def own_checkbox(match):
        key = match.group("key")
        checked = " checked" if state.get(key, bool(match.group("checked"))) else ""
        return (
            f'<input type="checkbox" class="task-list-item-checkbox" data-task="{escape(key)}"'
            f' name="ticked" value="{escape(key)}" form="{FORM_ID}"{checked}>'
        )

    return Checklist(body=mark_safe(CHECKBOX.sub(own_checkbox, body_html)), has_items=True)  # noqa: S308


def save_ticks(user, lesson, ticked, keys=None):
    """Set `user`'s state of the items `keys` of `lesson` (every item when None): ticked
    for those in `ticked`, unticked for the rest. Keys the lesson does not have are ignored.
    Returns the keys the learner has ticked in the lesson now, in reading order."""
    items = task_items(lesson.body_html)
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
        .filter(course=course, body_html__contains='class="task-list-item-checkbox"')
        .order_by("order")
        .only("pk", "title", "body_html")
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
                for item in task_items(lesson.body_html)
            ],
        )
        for lesson in lessons
    ]
