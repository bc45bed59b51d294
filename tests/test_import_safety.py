"""import_content on hostile files: one clear line per problem, and the database untouched."""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.utils import timezone

from courses.models import Asset, Course, Lesson, LessonBody, Section

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT_DIR = Path(__file__).parent.parent

ALIAS_BOMB = """---
title: Laughs
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
---

Boom.
"""


def snapshot():
    """Every content row, field by field."""
    return {
        "courses": list(Course.objects.order_by("pk").values()),
        "sections": list(Section.objects.order_by("pk").values()),
        "lessons": list(Lesson.objects.order_by("pk").values()),
        "assets": list(Asset.objects.order_by("pk").values_list("pk", "path", "digest", "size")),
    }


def import_errors(*args):
    """Run import_content expecting failure; return the stderr lines it printed."""
    err = StringIO()
    with pytest.raises(CommandError, match="Not imported"):
        call_command("import_content", *map(str, args), stdout=StringIO(), stderr=err)
    return [line.strip() for line in err.getvalue().splitlines()[1:]]


@pytest.fixture
def course(db, tmp_path):
    """A copy of the basics fixture, imported once."""
    folder = tmp_path / "basics"
    shutil.copytree(FIXTURES / "basics", folder)
    call_command("import_content", str(folder), stdout=StringIO())
    return folder


BAD_FILES = [
    (
        "01-getting-started/bad-yaml.md",
        b"---\ntitle: Fine\ntags: [one, two\nnext: field\n---\n\nBody.\n",
        r"basics/01-getting-started/bad-yaml.md:4: invalid YAML: did not find expected ',' or ']'",
    ),
    (
        "bad-utf8.md",
        b"# Title\n\nCaf\xe9 au lait.\n",
        r"basics/bad-utf8.md:3: is not valid UTF-8 \(byte 0xe9\)",
    ),
    (
        "02-middle/picture.md",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        r"basics/02-middle/picture.md: is a binary file, not UTF-8 text",
    ),
    (
        "huge.md",
        b"# Huge\n\n" + b"word " * (2 * 1024 * 1024 // 5 + 1),
        r"basics/huge.md: is 2.0 MB; the limit is 2 MB",
    ),
    (
        "bomb.md",
        ALIAS_BOMB.encode(),
        r"basics/bomb.md:4: YAML aliases \(\*name\) are not allowed",
    ),
    (
        "03-advanced/01-custom-id.md",
        b"# Same doc id as 01-ids.md\n",
        r"basics/03-advanced/01-ids.md: doc id 'advanced/custom-id' is also the doc id of "
        r"basics/03-advanced/01-custom-id.md",
    ),
    (
        "03-advanced/another-slug.md",
        b"---\nslug: /top-level\n---\n\nSame URL as 02-slugged.md.\n",
        r"basics/03-advanced/another-slug.md: URL path 'top-level' is also the URL path of "
        r"basics/03-advanced/02-slugged.md",
    ),
    (
        "typed.md",
        b"---\ntitle: Typed\nsidebar_position: first\ndraft: maybe\n---\n\nBody.\n",
        r"basics/typed.md:3: frontmatter `sidebar_position` must be a number, not 'first'",
    ),
    (
        "slashed-id.md",
        b"---\nid: a/b\n---\n\nBody.\n",
        r"basics/slashed-id.md:2: frontmatter `id` cannot contain /",
    ),
    (
        "unclosed.md",
        b"---\ntitle: Never closed\n\nBody.\n",
        r"basics/unclosed.md:1: frontmatter starts with --- but never ends with ---",
    ),
    (
        "listed.md",
        b"---\n- just\n- a list\n---\n\nBody.\n",
        r"basics/listed.md:1: frontmatter must be a mapping of field: value",
    ),
    (
        "02-middle/_category_.json",
        b'{"label": "Middle",\n "position": }\n',
        r"basics/02-middle/_category_.json:2: invalid JSON: Expecting value",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "message"), BAD_FILES, ids=[name for name, _, _ in BAD_FILES]
)
def test_bad_file_is_one_line_naming_it_and_changes_nothing(course, name, content, message):
    (course / name).write_bytes(content)
    (course / "welcome.md").write_text("---\ntitle: Welcome back\n---\n\nChanged too.\n")
    before = snapshot()
    errors = import_errors(course)
    assert any(re.match(message, line) for line in errors), errors
    assert before == snapshot()


def test_image_outside_the_course_is_a_warning_at_its_line_not_a_refusal(course):
    # Docusaurus builds such a page too (the image is missing from it): never refuse for it.
    (course / "03-advanced" / "escape-image.md").write_text("# Image\n\n![x](/../outside.png)\n")
    out = StringIO()
    call_command("import_content", str(course), stdout=out)
    assert "basics/03-advanced/escape-image.md:3: image not found: /../outside.png" in (
        out.getvalue()
    )
    assert Lesson.objects.filter(doc_id="advanced/escape-image", archived=False).exists()


def test_a_link_out_of_the_course_is_a_broken_link_not_a_refusal(course):
    (course / "escape.md").write_text("# Escape\n\nSee [the secrets](../../../etc/passwd.md).\n")
    out = StringIO()
    call_command("import_content", str(course), stdout=out)
    assert (
        "broken link: basics/escape.md:3 -> ../../../etc/passwd.md (outside the course folder)"
        in out.getvalue()
    )
    assert 'class="broken-link"' in Lesson.objects.get(doc_id="escape").body.html
    assert "/etc/passwd" not in Lesson.objects.get(doc_id="escape").body.html
    errors = import_errors(course, "--strict")
    assert errors == [
        "basics/escape.md:3 -> ../../../etc/passwd.md (outside the course folder)"
        " (broken link; --strict)"
    ]


def test_a_lesson_over_the_render_time_limit_is_one_line_naming_it_and_changes_nothing(
    course, stalling_renderer
):
    (course / "02-middle" / "stuck.md").write_text("# Stuck\n\nSTALL\n")
    (course / "welcome.md").write_text("---\ntitle: Welcome back\n---\n\nChanged too.\n")
    before = snapshot()
    assert import_errors(course) == [
        "basics/02-middle/stuck.md: refused: rendering stopped because it took more than 1 s"
    ]
    assert before == snapshot()


def test_every_problem_in_a_course_is_listed_at_once(course):
    (course / "bad-utf8.md").write_bytes(b"\xff\n")
    (course / "bomb.md").write_text(ALIAS_BOMB)
    errors = import_errors(course)
    assert [line.split(":")[0] for line in errors] == ["basics/bad-utf8.md", "basics/bomb.md"]


def test_symlink_out_of_the_course_is_refused(course, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n")
    (course / "linked.md").symlink_to(secret)
    (course / "03-advanced" / "linked-folder").symlink_to(tmp_path, target_is_directory=True)
    before = snapshot()
    errors = import_errors(course)
    assert sorted(errors) == [
        "basics/03-advanced/linked-folder: is a symlink that leads out of the course folder",
        "basics/linked.md: is a symlink that leads out of the course folder",
    ]
    assert before == snapshot()


def test_symlink_inside_the_course_is_followed(course):
    (course / "again.md").symlink_to(course / "welcome.md")
    out = StringIO()
    call_command("import_content", str(course), stdout=out)
    assert Lesson.objects.get(doc_id="again").title == "Welcome"


def test_folders_nested_too_deep_are_one_line_naming_the_folder(course):
    folders = [str(course) + "/d" * depth for depth in range(1, 1001)]
    for folder in folders:
        os.mkdir(folder)
    Path(folders[-1], "bottom.md").write_text("# Bottom\n")
    before = snapshot()
    try:
        errors = import_errors(course)
    finally:  # bottom up: removing the tree recursively would itself recurse too deep
        os.remove(Path(folders[-1], "bottom.md"))
        for folder in reversed(folders):
            os.rmdir(folder)
    assert errors == ["basics/" + "/".join(["d"] * 33) + ": folders nest more than 32 deep here"]
    assert before == snapshot()


def test_a_fifo_named_like_a_lesson_is_skipped_with_a_warning(course):
    os.mkfifo(course / "pipe.md")
    out = StringIO()
    call_command("import_content", str(course), stdout=out)
    assert "warning: basics/pipe.md: not a regular file; skipped" in out.getvalue()
    assert not Lesson.objects.filter(doc_id="pipe").exists()


def test_control_characters_in_a_file_name_stay_on_one_report_line(course):
    (course / "bad\nbasics: 0 created.md").write_bytes(b"\xff")
    (course / "right\u202eto-left.md").write_bytes(b"\xff")
    errors = import_errors(course)
    assert sorted(errors) == [
        "basics/bad\\nbasics: 0 created.md:1: is not valid UTF-8 (byte 0xff)",
        "basics/right\\u202eto-left.md:1: is not valid UTF-8 (byte 0xff)",
    ]


def test_failed_import_exits_non_zero_without_a_traceback(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "bad.md").write_text("---\ntitle: [unclosed\n---\n")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_content", str(folder)],
        cwd=PROJECT_DIR,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "broken/bad.md:3: invalid YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_lesson_with_only_a_title_imports_as_an_empty_lesson_in_a_fresh_process(tmp_path):
    only = tmp_path / "titled" / "only.md"
    only.parent.mkdir()
    only.write_text("# Only a title\n")
    database = tmp_path / "fresh.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_DEBUG": "true"}
    for command in (["migrate", "-v0"], ["import_content", str(only.parent)]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert "titled: 1 created" in result.stdout
    assert result.returncode == 0 and result.stderr == ""
    with closing(sqlite3.connect(database)) as db:
        stored = db.execute(
            "SELECT lesson.title, body.html, body.toc FROM courses_lesson AS lesson"
            " JOIN courses_lessonbody AS body ON body.id = lesson.body_id"
        ).fetchall()
    assert stored == [("Only a title", "", "[]")]


def test_missing_path_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="no such folder"):
        call_command("import_content", str(tmp_path / "nowhere"), stdout=StringIO())


class FailOnLessonWrite:
    """A database that fails on the nth statement writing lessons."""

    def __init__(self, n):
        self.n = n
        self.seen = 0

    def __call__(self, execute, sql, params, many, context):
        if '"courses_lesson"' in sql and sql.lstrip().startswith(("INSERT", "UPDATE", "DELETE")):
            self.seen += 1
            if self.seen == self.n:
                raise DatabaseError("injected failure")
        return execute(sql, params, many, context)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_database_error_halfway_leaves_the_previous_import_intact(course, n):
    (course / "01-getting-started" / "01-first-steps.md").write_text("# First Steps\n\nNew.\n")
    (course / "03-advanced" / "zeta.md").unlink()
    (course / "new-lesson.md").write_text("# New\n")
    (course / "02-middle" / "only.md").rename(course / "02-middle" / "05-only.md")
    before = snapshot()
    err = StringIO()
    with connection.execute_wrapper(FailOnLessonWrite(n)), pytest.raises(CommandError):
        call_command("import_content", str(course), stdout=StringIO(), stderr=err)
    assert "injected failure" in err.getvalue()
    assert "the course was left as it was" in err.getvalue()
    assert before == snapshot()


def test_the_next_import_deletes_what_a_dead_import_wrote_ahead_a_day_before(course):
    old, young = LessonBody.objects.bulk_create(
        [LessonBody(title="Old"), LessonBody(title="Young")]
    )
    LessonBody.objects.filter(pk=old.pk).update(written_at=timezone.now() - timedelta(days=2))
    Asset.objects.create(
        path="old.png", digest="0" * 64, content_type="image/png", data=b"", size=0
    )
    Asset.objects.update(written_at=timezone.now() - timedelta(days=2))
    shown = set(Lesson.objects.values_list("body_id", flat=True))
    call_command("import_content", str(course), stdout=StringIO())
    left = set(LessonBody.objects.values_list("pk", flat=True))
    assert left == shown | {young.pk}  # a young one may belong to an import still running
    assert not Asset.objects.filter(path="old.png").exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_finding_what_dead_imports_left_reads_no_body(course):
    """Every import looks for leftovers: from an index, not from every body's row."""
    for queryset in (LessonBody.objects, Asset.objects):
        sql, params = queryset.unshown(timezone.now()).values_list("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            plan = " ".join(
                str(row) for row in cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            )
        assert "SEARCH" in plan
        assert "SCAN" not in plan


def test_one_bad_course_does_not_stop_the_others(db, tmp_path):
    shutil.copytree(FIXTURES / "basics", tmp_path / "basics")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "bad.md").write_bytes(b"\xff")
    err = StringIO()
    with pytest.raises(CommandError, match="Not imported, left as they were: broken"):
        call_command("import_content", str(tmp_path), stdout=StringIO(), stderr=err)
    assert Course.objects.filter(slug="basics").exists()
    assert not Course.objects.filter(slug="broken").exists()


def test_bidi_controls_never_reach_titles_labels_or_urls(course):
    (course / "invoice\u202egpj.exe.md").write_text(
        "---\ntitle: Pay \u202eyrgna\u202c now\nsidebar_label: \u2066Label\u2069\n---\n\nText.\n"
    )
    call_command("import_content", str(course), stdout=StringIO())
    lesson = Lesson.objects.get(doc_id="invoicegpj.exe")
    assert (lesson.path, lesson.title, lesson.sidebar_label) == (
        "invoicegpj.exe",
        "Pay yrgna now",
        "Label",
    )
