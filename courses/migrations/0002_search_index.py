"""Full-text search index for lessons, outside the ORM model (see courses/search.py).

SQLite gets an FTS5 table kept in step with courses_lesson by triggers; PostgreSQL gets a
generated tsvector column with a GIN index. The SQL is copied here, not imported, so this
migration keeps doing what it did when courses/search.py changes.
"""

from django.db import migrations

SQLITE_INDEX = (
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
SQLITE_DROP_INDEX = (
    "DROP TRIGGER IF EXISTS courses_lesson_search_insert",
    "DROP TRIGGER IF EXISTS courses_lesson_search_update",
    "DROP TRIGGER IF EXISTS courses_lesson_search_delete",
    "DROP TABLE IF EXISTS courses_lesson_search",
)

POSTGRES_INDEX = (
    """ALTER TABLE courses_lesson ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, left(description, 10000)), 'B')
        || setweight(to_tsvector('english'::regconfig, left(body_markdown, 100000)), 'C')
    ) STORED""",
    "CREATE INDEX courses_lesson_search_vector ON courses_lesson USING GIN (search_vector)",
)
POSTGRES_DROP_INDEX = (
    "DROP INDEX IF EXISTS courses_lesson_search_vector",
    "ALTER TABLE courses_lesson DROP COLUMN IF EXISTS search_vector",
)


def run_for_vendor(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, ()):
        schema_editor.execute(statement)


def create_search_index(apps, schema_editor):
    run_for_vendor(schema_editor, {"sqlite": SQLITE_INDEX, "postgresql": POSTGRES_INDEX})


def drop_search_index(apps, schema_editor):
    run_for_vendor(
        schema_editor, {"sqlite": SQLITE_DROP_INDEX, "postgresql": POSTGRES_DROP_INDEX}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_search_index, drop_search_index),
    ]
