"""A re-import parses only the files whose bytes changed, and shows exactly what parsing
them all would have shown."""

from io import StringIO

import pytest
from django.core.management import call_command

from courses.importing import memo
from courses.importing.tree import _CourseReader, read_course
from courses.models import ImportMemo, Lesson

LESSONS = {
    "_category_.json": '{"label": "Memo course"}',
    "01-start/_category_.json": '{"label": "Start"}',
    "01-start/01-welcome.md": (
        "---\ntitle: Welcome\ntags: [intro, setup]\nkeywords: [a, b]\n"
        "toc_max_heading_level: 4\n---\n\n# Welcome\n\nRead [the setup](02-setup.md).\n"
    ),
    "01-start/02-setup.md": "---\nsidebar_position: 2\n---\n# Setup\n\nSee [tools](tools/).\n",
    "01-start/tools.md": "# Tools\n\nBack to [the start](/start/welcome).\n",
    "guide/guide.md": "# The guide\n\nIts folder's own page.\n",
    "guide/usage.md": "# Usage\n\nText.\n",
}


def write(folder, files):
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def run_import(folder):
    out = StringIO()
    call_command("import_content", str(folder), stdout=out, stderr=out)
    return out.getvalue()


def lessons():
    fields = ("doc_id", "path", "title", "tags", "meta", "order", "section__path")
    return list(Lesson.objects.filter(archived=False).order_by("doc_id").values(*fields))


@pytest.fixture
def parsed(monkeypatch):
    """The source paths of the files the importer parses."""
    paths = []
    parse_lesson = _CourseReader.parse_lesson

    def counting(reader, text, rel, *args):
        paths.append(rel)
        return parse_lesson(reader, text, rel, *args)

    monkeypatch.setattr(_CourseReader, "parse_lesson", counting)
    return paths


@pytest.fixture
def course(db, tmp_path):
    folder = tmp_path / "memo-course"
    write(folder, LESSONS)
    run_import(folder)
    return folder


def test_an_unchanged_reimport_parses_no_file_and_changes_nothing(course, parsed):
    before = lessons()
    out = run_import(course)
    assert "0 created, 0 updated, 5 unchanged" in out
    assert parsed == []
    assert lessons() == before


def test_only_an_edited_file_is_parsed_and_its_edit_shows(course, parsed):
    better = "# Better tools\n\nBack to [the start](/start/welcome).\n"
    write(course, {"01-start/tools.md": better})
    out = run_import(course)
    assert "1 updated, 4 unchanged" in out
    assert parsed == ["01-start/tools.md"]
    assert Lesson.objects.get(doc_id="start/tools").title == "Better tools"


def test_a_file_that_stops_being_its_folders_page_is_parsed_again(course, parsed):
    assert Lesson.objects.get(doc_id="guide/guide").path == "guide"
    write(course, {"guide/index.md": "# Guide overview\n"})
    run_import(course)
    assert sorted(parsed) == ["guide/guide.md", "guide/index.md"]
    assert Lesson.objects.get(doc_id="guide/guide").path == "guide/guide"
    assert Lesson.objects.get(doc_id="guide/index").path == "guide"


def test_what_other_importer_code_read_is_not_used(course, parsed, monkeypatch):
    monkeypatch.setattr(memo, "recipe", lambda: "another version of the importer")
    run_import(course)
    assert len(parsed) == 5


def test_lessons_remembered_equal_lessons_parsed(course):
    write(course, {"01-start/02-setup.md": "# Setup, again\n\nSee [tools](tools/).\n"})
    run_import(course)
    remembered = read_course(course, memo=memo.Memo.load("memo-course"))
    assert not remembered.memo.changed  # every lesson came from the memo
    assert remembered.lessons == read_course(course).lessons


def test_memos_of_many_changed_files_are_stored_in_batches(course, parsed, monkeypatch):
    monkeypatch.setattr(memo, "MEMO_BATCH", 2)
    for name in ("01-start/02-setup.md", "01-start/tools.md", "guide/usage.md"):
        write(course, {name: f"# {name} again\n"})
    run_import(course)
    assert ImportMemo.objects.count() == 5
    parsed.clear()
    run_import(course)
    assert parsed == []


def test_the_memo_of_a_deleted_file_is_forgotten(course):
    (course / "guide" / "usage.md").unlink()
    run_import(course)
    assert "guide/usage.md" not in ImportMemo.objects.values_list("source_path", flat=True)
    assert ImportMemo.objects.count() == 4
