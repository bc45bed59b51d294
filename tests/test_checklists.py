"""Task lists in a lesson as each learner's own checklist: saved with or without JavaScript,
kept through re-imports while an item's text is unchanged, and only ever the learner's."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from courses.models import Lesson
from courses.rendering.tasklists import task_items
from learners.checklists import after_last_task_list
from learners.models import ChecklistTick
from tests.conftest import PASSWORD
from tests.makers import (
    lessons_of,
    make_checklist_lesson,
    make_completions,
    make_course,
    make_course_with_lessons,
)
from tests.test_rendering import elements

pytestmark = pytest.mark.django_db

ITEMS = [
    "I can explain self-attention",
    "I can sketch a transformer block",
    "[x] I read the intro",
]


@pytest.fixture
def lesson(db):
    return make_checklist_lesson(make_course(), ITEMS)


@pytest.fixture
def keys(lesson):
    return [item.key for item in task_items(lesson.body.html)]


def checklist_url(lesson):
    return reverse("learners:checklist", args=[lesson.course.slug, lesson.path])


def checkboxes(client, lesson):
    """{item text: ticked} as the lesson page shows them to this client."""
    html = client.get(lesson.get_absolute_url()).content.decode()
    boxes = [box for box in elements(html, "input") if box.get("type") == "checkbox"]
    texts = [item.text for item in task_items(lesson.body.html)]
    return {text: "checked" in box for text, box in zip(texts, boxes, strict=True)}


def save_as_json(client, lesson, key, ticked):
    data = {"item": key, "ticked": key} if ticked else {"item": key}
    return client.post(checklist_url(lesson), data, headers={"Accept": "application/json"})


# What each reader sees


def test_visitor_sees_the_checklist_read_only_and_is_asked_to_sign_in(client, lesson):
    html = client.get(lesson.get_absolute_url()).content.decode()
    boxes = [box for box in elements(html, "input") if box.get("type") == "checkbox"]
    assert len(boxes) == 3 and all("disabled" in box for box in boxes)
    assert [("checked" in box) for box in boxes] == [False, False, True]
    assert f'href="{reverse("login")}?next={lesson.get_absolute_url()}"' in html.replace(
        "%2F", "/"
    )
    assert "to tick off this checklist" in html
    assert checklist_url(lesson) not in html


def test_learner_gets_their_own_labelled_checkboxes_in_the_checklist_form(
    learner_client, lesson, keys
):
    html = learner_client.get(lesson.get_absolute_url()).content.decode()
    boxes = [box for box in elements(html, "input") if box.get("type") == "checkbox"]
    assert [box["value"] for box in boxes] == keys
    assert all(box["name"] == "ticked" and box["form"] == "checklist" for box in boxes)
    assert not any("disabled" in box for box in boxes)
    assert '<label class="task-list-item-label"><input' in html
    [form] = [form for form in elements(html, "form") if form.get("id") == "checklist"]
    assert form["action"] == checklist_url(lesson) and form["method"] == "post"
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<script src="/static/checklist.js" defer></script>' in html


def test_the_form_comes_right_after_the_last_task_list(learner_client, lesson):
    html = learner_client.get(lesson.get_absolute_url()).content.decode()
    assert '</ul>\n<form method="post" action="' in html


@pytest.mark.parametrize(
    "body",
    [
        '<ul class="task-list"><li>a<ul class="task-list"><li>b</li></ul></li></ul>HERE<p>x</p>',
        '<ol><li><ul class="task-list"><li>a</li></ul>HERE</li></ol><ul><li>plain</li></ul>',
        '<ul class="task-list"><li>a</li></ul><p>x</p><ul class="task-list"></ul>HERE<ol></ol>',
    ],
)
def test_the_form_goes_after_the_outermost_end_of_the_last_task_list(body):
    assert after_last_task_list(body.replace("HERE", ""), "HERE") == body


def test_a_lesson_without_a_task_list_has_no_checklist(learner_client):
    lesson = lessons_of(make_course_with_lessons(count=1))[0]
    html = learner_client.get(lesson.get_absolute_url()).content.decode()
    assert 'id="checklist"' not in html
    assert "checklist.js" not in html


# Saving


def test_the_form_saves_the_whole_checklist_without_javascript(learner_client, lesson, keys):
    response = learner_client.post(checklist_url(lesson), {"ticked": [keys[1]]}, follow=True)
    assert response.redirect_chain == [(f"{lesson.get_absolute_url()}#checklist", 302)]
    assert "Your checklist is saved." in response.content.decode()
    assert checkboxes(learner_client, lesson) == {
        "I can explain self-attention": False,
        "I can sketch a transformer block": True,
        "I read the intro": False,  # ticked by the author, unticked by the learner
    }


def test_the_script_saves_one_item_and_leaves_the_others_alone(learner_client, lesson, keys):
    learner_client.post(checklist_url(lesson), {"ticked": [keys[0]]})
    response = save_as_json(learner_client, lesson, keys[1], ticked=True)
    assert response.status_code == 200
    assert json.loads(response.content) == {"ticked": keys[:2]}
    response = save_as_json(learner_client, lesson, keys[0], ticked=False)
    assert json.loads(response.content) == {"ticked": keys[1:2]}
    assert checkboxes(learner_client, lesson) == {
        "I can explain self-attention": False,
        "I can sketch a transformer block": True,
        "I read the intro": False,
    }


def test_an_item_the_learner_never_touched_keeps_the_authors_tick(learner_client, lesson, keys):
    save_as_json(learner_client, lesson, keys[0], ticked=True)
    assert checkboxes(learner_client, lesson)["I read the intro"] is True


def test_keys_the_lesson_does_not_have_are_ignored(learner_client, lesson):
    response = learner_client.post(
        checklist_url(lesson), {"item": "0" * 16, "ticked": "0" * 16, "q": "x"}
    )
    assert response.status_code == 302
    assert not ChecklistTick.objects.exists()


def test_ticks_are_kept_after_signing_out_and_in_again(client, learner, lesson, keys):
    client.force_login(learner)
    client.post(checklist_url(lesson), {"ticked": [keys[0]]})
    client.post(reverse("logout"))
    assert checkboxes(client, lesson)["I can explain self-attention"] is False  # a visitor
    client.post(reverse("login"), {"username": learner.username, "password": PASSWORD})
    assert checkboxes(client, lesson)["I can explain self-attention"] is True


# Only the learner's own


def test_a_visitor_cannot_tick_and_is_sent_to_sign_in(client, lesson, keys):
    response = client.post(checklist_url(lesson), {"ticked": [keys[0]]})
    assert response.url.startswith(reverse("login"))
    assert not ChecklistTick.objects.exists()


def test_one_learners_ticks_are_never_anothers(
    learner_client, learner, other_learner, lesson, keys
):
    learner_client.post(checklist_url(lesson), {"ticked": keys})
    other = Client()
    other.force_login(other_learner)
    assert checkboxes(other, lesson)["I can explain self-attention"] is False
    other.post(checklist_url(lesson), {"ticked": []})
    assert checkboxes(learner_client, lesson)["I can explain self-attention"] is True
    assert ChecklistTick.objects.filter(user=learner, ticked=True).count() == 3


def test_ticking_without_a_csrf_token_is_refused(learner, lesson, keys):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.post(checklist_url(lesson), {"ticked": keys}).status_code == 403
    assert not ChecklistTick.objects.exists()


def test_get_never_ticks(learner_client, lesson, keys):
    response = learner_client.get(checklist_url(lesson), {"ticked": keys})
    assert response.status_code == 405
    assert not ChecklistTick.objects.exists()


def test_a_draft_lessons_checklist_cannot_be_ticked(learner_client, lesson, keys):
    Lesson.objects.filter(pk=lesson.pk).update(draft=True)
    assert learner_client.post(checklist_url(lesson), {"ticked": keys}).status_code == 404
    assert not ChecklistTick.objects.exists()


# Re-import


LESSON = """---
title: Check yourself
---

Tick what you can do.

- [ ] I can explain self-attention
- [ ] I can sketch a transformer block
- [x] I read the intro
"""


def import_course(folder):
    call_command("import_content", str(folder), stdout=StringIO(), stderr=StringIO())
    return Lesson.objects.get(course__slug="tiny", doc_id="check")


@pytest.fixture
def course_folder(tmp_path):
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "check.md").write_text(LESSON, encoding="utf-8")
    return folder


def test_ticks_and_unticks_survive_reimports_while_the_items_text_is_unchanged(
    learner_client, course_folder
):
    lesson = import_course(course_folder)
    explain, sketch, intro = (item.key for item in task_items(lesson.body.html))
    learner_client.post(checklist_url(lesson), {"ticked": [explain]})

    import_course(course_folder)
    assert checkboxes(learner_client, lesson) == {
        "I can explain self-attention": True,
        "I can sketch a transformer block": False,
        "I read the intro": False,
    }

    (course_folder / "check.md").write_text(
        LESSON.replace("Tick what you can do.", "- [ ] A new first item\n\nTick these.").replace(
            "block", "block from memory"
        ),
        encoding="utf-8",
    )
    lesson = import_course(course_folder)
    assert checkboxes(learner_client, lesson) == {
        "A new first item": False,
        "I can explain self-attention": True,
        "I can sketch a transformer block from memory": False,
        "I read the intro": False,
    }


# Queries


def test_lesson_page_with_a_checklist_runs_a_fixed_number_of_queries(
    learner_client, learner, django_assert_max_num_queries
):
    course = make_course_with_lessons(count=3)
    lesson = make_checklist_lesson(course, [f"I can do thing {n}" for n in range(40)], order=9)
    make_completions(learner, lessons_of(course)[:2])
    learner_client.post(checklist_url(lesson), {"ticked": [task_items(lesson.body.html)[0].key]})
    learner_client.get(lesson.get_absolute_url())
    # Session, user, the lesson, the learner's completions, their ticks in the lesson.
    with django_assert_max_num_queries(5):
        response = learner_client.get(lesson.get_absolute_url())
    assert response.content.decode().count(" checked>") == 1
