"""Lesson.body_text: the body as a reader reads it, stored once so that search snippets are
cut from it instead of turning Markdown into text on every search.

On SQLite, Django adds the column by rebuilding the table, which drops the search index's
triggers; they are created again wherever they are gone (their SQL copied from 0002, not
imported). The text comes from courses.search.reader_text, as at every later save and import.
"""

from django.db import migrations, models

SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS courses_lesson_search_insert
    AFTER INSERT ON courses_lesson BEGIN
        INSERT INTO courses_lesson_search (rowid, title, description, body) VALUES (
            new.id, new.title, substr(new.description, 1, 10000),
            substr(new.body_markdown, 1, 100000)
        );
    END""",
    """CREATE TRIGGER IF NOT EXISTS courses_lesson_search_update
    AFTER UPDATE OF title, description, body_markdown ON courses_lesson BEGIN
        DELETE FROM courses_lesson_search WHERE rowid = old.id;
        INSERT INTO courses_lesson_search (rowid, title, description, body) VALUES (
            new.id, new.title, substr(new.description, 1, 10000),
            substr(new.body_markdown, 1, 100000)
        );
    END""",
    """CREATE TRIGGER IF NOT EXISTS courses_lesson_search_delete AFTER DELETE ON courses_lesson BEGIN
        DELETE FROM courses_lesson_search WHERE rowid = old.id;
    END""",
)
BATCH_SIZE = 200


def create_search_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)


def fill_body_text(apps, schema_editor):
    from courses.search import reader_text

    Lesson = apps.get_model("courses", "Lesson")
    batch = []
    for lesson in Lesson.objects.only("id", "body_markdown").iterator(chunk_size=BATCH_SIZE):
        lesson.body_text = reader_text(lesson.body_markdown)
        batch.append(lesson)
    Lesson.objects.bulk_update(batch, ["body_text"], batch_size=BATCH_SIZE)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_search_index"),
    ]

    operations = [
        # Undone last, after the column is removed again (which may rebuild the table too).
        migrations.RunPython(migrations.RunPython.noop, create_search_triggers),
        migrations.AddField(
            model_name="lesson",
            name="body_text",
            field=models.TextField(
                blank=True, editable=False, help_text="The body as a reader reads it, for snippets."
            ),
        ),
        migrations.RunPython(fill_body_text, migrations.RunPython.noop),
        migrations.RunPython(create_search_triggers, migrations.RunPython.noop),
    ]
