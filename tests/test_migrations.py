"""Migrations that move data keep every lesson's text and its search index."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from courses.search import search_lessons

BEFORE_BODIES = [("courses", "0005_lesson_search_listing"), ("learners", "0001_initial")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_lesson(transactional_db):
    apps = migrate(BEFORE_BODIES)
    Course = apps.get_model("courses", "Course")
    Lesson = apps.get_model("courses", "Lesson")
    course = Course.objects.create(slug="old", title="Old")
    Lesson.objects.create(
        course=course,
        doc_id="attention",
        path="attention",
        title="Attention",
        description="Queries and keys.",
        body_markdown="Self-attention weighs every token.",
        body_html="<p>Self-attention weighs every token.</p>",
        body_text="Self-attention weighs every token.",
        toc=[{"id": "a", "title": "A", "level": 2}],
    )
    yield
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_lesson_bodies_move_out_with_their_text_and_stay_searchable(old_lesson):
    migrate([("courses", "0006_lesson_bodies")])
    from courses.models import Lesson

    lesson = Lesson.objects.select_related("body").get(doc_id="attention")
    assert lesson.body.markdown == "Self-attention weighs every token."
    assert lesson.body.html == "<p>Self-attention weighs every token.</p>"
    assert lesson.body.toc == [{"id": "a", "title": "A", "level": 2}]
    assert lesson.body.title == "Attention"
    assert [hit.lesson_id for hit in search_lessons("weighs tokens")] == [lesson.pk]


def test_lesson_bodies_move_back_when_unapplied(old_lesson):
    migrate([("courses", "0006_lesson_bodies")])
    apps = migrate(BEFORE_BODIES)
    lesson = apps.get_model("courses", "Lesson").objects.get(doc_id="attention")
    assert lesson.body_markdown == "Self-attention weighs every token."
    assert lesson.body_html == "<p>Self-attention weighs every token.</p>"
