"""Lesson bodies in a table of their own (LessonBody), so that an import can write the text of
changed lessons before its short switching transaction instead of inside it.

The search index moves with the text: the SQLite FTS5 table and its triggers, and the
PostgreSQL generated tsvector column, index bodies; search finds a lesson through the body it
shows. Asset rows become unique per (course, path, digest), so a changed image can be written
beside the one pages show. The SQL is copied here, not imported from courses.search, so this
migration keeps doing what it did when that module changes.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

BATCH_SIZE = 200

OLD_SQLITE_INDEX = (
    """CREATE VIRTUAL TABLE courses_lesson_search USING fts5(
        title, description, body, tokenize = 'porter unicode61'
    )""",
    """CREATE TRIGGER courses_lesson_search_insert AFTER INSERT ON courses_lesson BEGIN
        INSERT INTO courses_lesson_search (rowid, title, description, body) VALUES (
            new.id, new.title, substr(new.description, 1, 10000),
            substr(new.body_markdown, 1, 100000)
        );
    END""",
    """CREATE TRIGGER courses_lesson_search_update
    AFTER UPDATE OF title, description, body_markdown ON courses_lesson BEGIN
        DELETE FROM courses_lesson_search WHERE rowid = old.id;
        INSERT INTO courses_lesson_search (rowid, title, description, body) VALUES (
            new.id, new.title, substr(new.description, 1, 10000),
            substr(new.body_markdown, 1, 100000)
        );
    END""",
    """CREATE TRIGGER courses_lesson_search_delete AFTER DELETE ON courses_lesson BEGIN
        DELETE FROM courses_lesson_search WHERE rowid = old.id;
    END""",
    """INSERT INTO courses_lesson_search (rowid, title, description, body)
    SELECT id, title, substr(description, 1, 10000), substr(body_markdown, 1, 100000)
    FROM courses_lesson""",
)
OLD_SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS courses_lesson_search_insert",
    "DROP TRIGGER IF EXISTS courses_lesson_search_update",
    "DROP TRIGGER IF EXISTS courses_lesson_search_delete",
    "DROP TABLE IF EXISTS courses_lesson_search",
)
OLD_POSTGRES_INDEX = (
    """ALTER TABLE courses_lesson ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, left(description, 10000)), 'B')
        || setweight(to_tsvector('english'::regconfig, left(body_markdown, 100000)), 'C')
    ) STORED""",
    "CREATE INDEX courses_lesson_search_vector ON courses_lesson USING GIN (search_vector)",
)
OLD_POSTGRES_DROP = (
    "DROP INDEX IF EXISTS courses_lesson_search_vector",
    "ALTER TABLE courses_lesson DROP COLUMN IF EXISTS search_vector",
)

SQLITE_INDEX = (
    """CREATE VIRTUAL TABLE courses_lessonbody_search USING fts5(
        title, description, body, tokenize = 'porter unicode61'
    )""",
    """CREATE TRIGGER courses_lessonbody_search_insert AFTER INSERT ON courses_lessonbody BEGIN
        INSERT INTO courses_lessonbody_search (rowid, title, description, body) VALUES (
            new.id, new.title, substr(new.description, 1, 10000), substr(new.markdown, 1, 100000)
        );
    END""",
    """CREATE TRIGGER courses_lessonbody_search_update
    AFTER UPDATE OF title, description, markdown ON courses_lessonbody BEGIN
        DELETE FROM courses_lessonbody_search WHERE rowid = old.id;
        INSERT INTO courses_lessonbody_search (rowid, title, description, body) VALUES (
            new.id, new.title, substr(new.description, 1, 10000), substr(new.markdown, 1, 100000)
        );
    END""",
    """CREATE TRIGGER courses_lessonbody_search_delete AFTER DELETE ON courses_lessonbody BEGIN
        DELETE FROM courses_lessonbody_search WHERE rowid = old.id;
    END""",
    """INSERT INTO courses_lessonbody_search (rowid, title, description, body)
    SELECT id, title, substr(description, 1, 10000), substr(markdown, 1, 100000)
    FROM courses_lessonbody""",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS courses_lessonbody_search_insert",
    "DROP TRIGGER IF EXISTS courses_lessonbody_search_update",
    "DROP TRIGGER IF EXISTS courses_lessonbody_search_delete",
    "DROP TABLE IF EXISTS courses_lessonbody_search",
)
POSTGRES_INDEX = (
    """ALTER TABLE courses_lessonbody ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, left(description, 10000)), 'B')
        || setweight(to_tsvector('english'::regconfig, left(markdown, 100000)), 'C')
    ) STORED""",
    "CREATE INDEX courses_lessonbody_search_vector ON courses_lessonbody USING GIN (search_vector)",
)
POSTGRES_DROP = (
    "DROP INDEX IF EXISTS courses_lessonbody_search_vector",
    "ALTER TABLE courses_lessonbody DROP COLUMN IF EXISTS search_vector",
)


def run_for_vendor(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, ()):
        schema_editor.execute(statement)


def drop_lesson_index(apps, schema_editor):
    run_for_vendor(schema_editor, {"sqlite": OLD_SQLITE_DROP, "postgresql": OLD_POSTGRES_DROP})


def create_lesson_index(apps, schema_editor):
    run_for_vendor(
        schema_editor, {"sqlite": OLD_SQLITE_INDEX, "postgresql": OLD_POSTGRES_INDEX}
    )


def create_body_index(apps, schema_editor):
    run_for_vendor(schema_editor, {"sqlite": SQLITE_INDEX, "postgresql": POSTGRES_INDEX})


def drop_body_index(apps, schema_editor):
    run_for_vendor(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})


def move_bodies_out(apps, schema_editor):
    Lesson = apps.get_model("courses", "Lesson")
    LessonBody = apps.get_model("courses", "LessonBody")
    lessons = Lesson.objects.only(
        "id", "title", "description", "body_markdown", "body_html", "body_text", "toc"
    )
    batch = []
    for lesson in lessons.iterator(chunk_size=BATCH_SIZE):
        batch.append(lesson)
        if len(batch) == BATCH_SIZE:
            point_at_new_bodies(Lesson, LessonBody, batch)
            batch = []
    point_at_new_bodies(Lesson, LessonBody, batch)


def point_at_new_bodies(Lesson, LessonBody, lessons):
    bodies = LessonBody.objects.bulk_create(
        LessonBody(
            title=lesson.title,
            description=lesson.description,
            markdown=lesson.body_markdown,
            html=lesson.body_html,
            text=lesson.body_text,
            toc=lesson.toc,
        )
        for lesson in lessons
    )
    for lesson, body in zip(lessons, bodies, strict=True):
        lesson.body_id = body.pk
    Lesson.objects.bulk_update(lessons, ["body"])


def move_bodies_back(apps, schema_editor):
    Lesson = apps.get_model("courses", "Lesson")
    batch = []
    for lesson in Lesson.objects.select_related("body").iterator(chunk_size=BATCH_SIZE):
        lesson.body_markdown = lesson.body.markdown
        lesson.body_html = lesson.body.html
        lesson.body_text = lesson.body.text
        lesson.toc = lesson.body.toc
        batch.append(lesson)
    fields = ["body_markdown", "body_html", "body_text", "toc"]
    Lesson.objects.bulk_update(batch, fields, batch_size=BATCH_SIZE)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0005_lesson_search_listing"),
    ]

    operations = [
        migrations.RunPython(drop_lesson_index, create_lesson_index),
        migrations.CreateModel(
            name="LessonBody",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(blank=True, max_length=300)),
                ("description", models.TextField(blank=True)),
                ("markdown", models.TextField(blank=True)),
                ("html", models.TextField(blank=True)),
                (
                    "text",
                    models.TextField(
                        blank=True, help_text="The body as a reader reads it, for snippets."
                    ),
                ),
                ("toc", models.JSONField(blank=True, default=list)),
                ("written_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"verbose_name_plural": "lesson bodies"},
        ),
        migrations.AddField(
            model_name="lesson",
            name="body",
            field=models.OneToOneField(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="lesson",
                to="courses.lessonbody",
            ),
        ),
        migrations.RunPython(move_bodies_out, move_bodies_back),
        migrations.AlterField(
            model_name="lesson",
            name="body",
            field=models.OneToOneField(
                editable=False,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="lesson",
                to="courses.lessonbody",
            ),
        ),
        migrations.RemoveIndex(model_name="lesson", name="lesson_search_listing"),
        migrations.RemoveField(model_name="lesson", name="body_markdown"),
        migrations.RemoveField(model_name="lesson", name="body_html"),
        migrations.RemoveField(model_name="lesson", name="body_text"),
        migrations.RemoveField(model_name="lesson", name="toc"),
        migrations.AddIndex(
            model_name="lesson",
            index=models.Index(
                fields=["body", "course", "draft", "unlisted", "archived"],
                name="lesson_search_listing",
            ),
        ),
        migrations.RemoveConstraint(model_name="asset", name="unique_asset_path"),
        migrations.AddConstraint(
            model_name="asset",
            constraint=models.UniqueConstraint(
                fields=("course", "path", "digest"), name="unique_asset"
            ),
        ),
        migrations.AlterField(
            model_name="asset",
            name="course",
            field=models.ForeignKey(
                help_text="None while an import writes the image ahead of its switch.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="assets",
                to="courses.course",
            ),
        ),
        migrations.AddField(
            model_name="asset",
            name="written_at",
            field=models.DateTimeField(auto_now_add=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.RunPython(create_body_index, drop_body_index),
    ]
