"""Re-importing a course: incremental, and learners' progress is never lost."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import rendering
from courses.importing import (
    ContentError,
    recompute_reading_order,
    render_lesson,
    revert_lesson,
)
from courses.importing.recipe import recipe
from courses.models import Asset, Course, Lesson, LessonBody, Section
from learners.models import Completion
from tests.makers import make_lesson

FIXTURES = Path(__file__).parent / "fixtures"
RENDERER_FILES = sorted(Path(rendering.__file__).parent.glob("*.py"))


def run_import(*args):
    out, err = StringIO(), StringIO()
    call_command("import_content", *map(str, args), stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def lesson(doc_id):
    return Lesson.objects.get(course__slug="basics", doc_id=doc_id)


def reading_order():
    return list(
        Lesson.objects.filter(course__slug="basics")
        .order_by("order")
        .values_list("doc_id", flat=True)
    )


@pytest.fixture
def folder(db, tmp_path):
    """A copy of the basics fixture, imported once."""
    folder = tmp_path / "basics"
    shutil.copytree(FIXTURES / "basics", folder)
    run_import(folder)
    return folder


@pytest.fixture
def completion(folder, learner):
    target = lesson("getting-started/first-steps")
    return Completion.objects.create(user=learner, course=target.course, lesson=target)


def edit(path, text):
    path.write_text(text, encoding="utf-8")


def test_unchanged_reimport_writes_no_lesson_and_reports_unchanged(folder):
    before = {x.pk: x.updated_at for x in Lesson.objects.all()}
    version = Course.objects.get().content_version
    with CaptureQueriesContext(connection) as queries:
        out = run_import(folder)
    assert "basics: 0 created, 0 updated, 18 unchanged, 0 archived" in out
    assert {x.pk: x.updated_at for x in Lesson.objects.all()} == before
    assert Course.objects.get().content_version == version
    writes = [q["sql"] for q in queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == [writes[0]] and writes[0].startswith('UPDATE "courses_course"')
    assert len(queries) <= 12


def test_changed_file_is_rerendered_and_bumps_the_content_version(folder):
    version = Course.objects.get().content_version
    edit(folder / "01-getting-started" / "01-first-steps.md", "# First Steps\n\nRewritten.\n")
    out = run_import(folder, "-v2")
    assert "1 updated, 17 unchanged" in out
    assert "updated: getting-started/first-steps" in out
    assert "Rewritten." in lesson("getting-started/first-steps").body.html
    assert Course.objects.get().content_version == version + 1


@pytest.fixture
def recipe_forgotten_after():
    """The render keys' recipe is read from the files again after the test."""
    yield
    recipe.cache_clear()


@pytest.mark.parametrize("changed", RENDERER_FILES, ids=lambda path: path.name)
def test_a_change_to_any_file_of_the_renderer_rerenders_every_lesson(
    folder, monkeypatch, recipe_forgotten_after, changed
):
    real_read_bytes = Path.read_bytes

    def read_bytes(path):  # `changed` as if a line had been added to it
        return real_read_bytes(path) + (b"\n" if path == changed else b"")

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    recipe.cache_clear()
    assert "basics: 0 created, 18 updated, 0 unchanged" in run_import(folder)


def test_lesson_whose_link_target_moved_is_rerendered(folder):
    slugged = folder / "03-advanced" / "02-slugged.md"
    edit(slugged, slugged.read_text().replace("slug: /top-level", "slug: /elsewhere"))
    out = run_import(folder, "-v2")
    assert "updated: getting-started/second-lesson" in out
    assert "updated: advanced/slugged" in out
    assert "2 updated, 16 unchanged" in out
    html = lesson("getting-started/second-lesson").body.html
    assert 'href="/courses/basics/elsewhere/"' in html


def test_changed_image_gets_a_new_url_in_the_lessons_that_show_it(folder):
    old = Asset.objects.get().get_absolute_url()
    image = folder / "01-getting-started" / "img" / "diagram.png"
    image.write_bytes(image.read_bytes() + b"\0")
    run_import(folder)
    new = Asset.objects.get().get_absolute_url()
    assert new != old
    assert f'src="{new}"' in lesson("getting-started/first-steps").body.html


def test_renumbered_folder_keeps_lesson_rows_and_completions(folder, completion):
    pk = completion.lesson.pk
    (folder / "01-getting-started").rename(folder / "04-getting-started")
    (folder / "welcome.md").write_text(
        (folder / "welcome.md").read_text().replace("01-getting-started", "04-getting-started")
    )
    out = run_import(folder, "--strict")
    moved = lesson("getting-started/first-steps")
    assert moved.pk == pk
    assert moved.source_path == "04-getting-started/01-first-steps.md"
    assert Completion.objects.get().lesson_id == pk
    assert "0 created" in out and "0 archived" in out
    assert Section.objects.get(path="getting-started").source_path == "04-getting-started"


def test_moved_number_prefix_reorders_and_keeps_the_row(folder, completion):
    (folder / "01-getting-started" / "01-first-steps.md").rename(
        folder / "01-getting-started" / "09-first-steps.md"
    )
    (folder / "01-getting-started" / "02-second-lesson.md").write_text(
        (folder / "01-getting-started" / "02-second-lesson.md").read_text()
    )
    run_import(folder)
    order = reading_order()
    assert order.index("getting-started/first-steps") > order.index("getting-started/unlisted")
    assert Completion.objects.get().lesson == lesson("getting-started/first-steps")


def test_removed_lesson_is_archived_with_its_completion_kept_and_returns(folder, completion):
    source = folder / "01-getting-started" / "01-first-steps.md"
    text = source.read_text()
    source.unlink()
    out = run_import(folder)
    assert "1 archived" in out
    gone = lesson("getting-started/first-steps")
    assert gone.archived is True
    assert Completion.objects.filter(pk=completion.pk).exists()
    assert "broken link" in out  # index.md still links to the archived lesson

    source.write_text(text)
    out = run_import(folder)
    assert "1 restored" in out
    assert lesson("getting-started/first-steps").archived is False
    assert lesson("getting-started/first-steps").pk == gone.pk


def test_prune_deletes_lessons_whose_files_are_gone(folder, completion):
    (folder / "01-getting-started" / "01-first-steps.md").unlink()
    (folder / "01-getting-started" / "index.md").write_text("# Overview\n")
    (folder / "02-middle").rename(folder / "02-gone")
    shutil.rmtree(folder / "02-gone")
    out = run_import(folder, "--prune", "-v2")
    assert "pruned: getting-started/first-steps" in out
    assert not Lesson.objects.filter(doc_id="getting-started/first-steps").exists()
    assert not Completion.objects.exists()
    assert not Section.objects.filter(path="middle").exists()


def test_removed_folder_archives_its_section(folder):
    shutil.rmtree(folder / "02-middle")
    run_import(folder)
    assert Section.objects.get(path="middle").archived is True
    assert lesson("middle/only").archived is True


def test_section_edited_in_the_admin_stays_when_its_folder_is_gone(folder):
    Section.objects.filter(path="middle").update(title="Kept", edited_in_admin=True)
    shutil.rmtree(folder / "02-middle")
    out = run_import(folder)
    assert "kept admin edit (--force overwrites): section middle" in out
    assert Section.objects.get(path="middle").archived is False
    run_import(folder, "--force")
    assert Section.objects.get(path="middle").archived is True


def test_admin_edits_are_kept_and_listed(folder):
    edited = lesson("getting-started/first-steps")
    edited.body.markdown = "Edited by staff."
    edited.body.save()
    edited.edited_in_admin = True
    edited.save()
    edit(folder / "01-getting-started" / "01-first-steps.md", "# First Steps\n\nFrom disk.\n")
    out = run_import(folder)
    assert "kept admin edit (--force overwrites): getting-started/first-steps" in out
    assert "1 kept admin edits" in out
    assert lesson("getting-started/first-steps").body.markdown == "Edited by staff."


def test_force_overwrites_admin_edits(folder):
    LessonBody.objects.filter(lesson__doc_id="getting-started/first-steps").update(
        markdown="Edited by staff."
    )
    Lesson.objects.filter(doc_id="getting-started/first-steps").update(edited_in_admin=True)
    run_import(folder, "--force")
    overwritten = lesson("getting-started/first-steps")
    assert overwritten.body.markdown.startswith("# First Steps")
    assert overwritten.edited_in_admin is False


def test_lessons_made_in_the_admin_are_never_archived_or_touched(folder):
    course = Course.objects.get()
    section = Section.objects.get(path="middle")
    made = make_lesson(course, section, doc_id="middle/extra", path="middle/extra", title="Extra")
    out = run_import(folder, "--prune")
    made.refresh_from_db()
    assert made.archived is False
    assert made.title == "Extra"
    order = reading_order()
    assert order[1:4] == ["middle/README", "middle/extra", "middle/only"]  # sorted by name
    assert "0 archived" in out


def test_file_claiming_a_url_of_a_lesson_made_in_the_admin_is_an_error(folder):
    make_lesson(Course.objects.get(), doc_id="made", path="claimed", title="Made in the admin")
    edit(folder / "claim.md", "---\nslug: /claimed\n---\n\nMine.\n")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_content", str(folder), stdout=StringIO(), stderr=err)
    assert "basics/claim.md: URL path 'claimed' is taken by lesson 'made' (made in the admin)" in (
        err.getvalue()
    )


def test_lessons_may_swap_urls(folder):
    slugged = folder / "03-advanced" / "02-slugged.md"
    relative = folder / "03-advanced" / "03-relative-slug.md"
    edit(slugged, slugged.read_text().replace("slug: /top-level", "slug: renamed"))
    edit(relative, relative.read_text().replace("slug: renamed", "slug: /top-level"))
    run_import(folder)
    assert lesson("advanced/slugged").path == "advanced/renamed"
    assert lesson("advanced/relative-slug").path == "top-level"


def test_new_doc_id_may_take_the_url_of_an_archived_lesson(folder):
    slugged = folder / "03-advanced" / "02-slugged.md"
    edit(slugged, slugged.read_text().replace("title: Slugged", "id: new-id\ntitle: Slugged"))
    run_import(folder)
    assert lesson("advanced/new-id").path == "top-level"
    assert lesson("advanced/slugged").archived is True


def test_dry_run_reports_and_writes_nothing(folder):
    edit(folder / "new.md", "# New\n")
    (folder / "03-advanced" / "zeta.md").unlink()
    before = list(Lesson.objects.order_by("pk").values())
    out = run_import(folder, "--dry-run")
    assert "(dry run) basics: 1 created, 0 updated, 17 unchanged, 1 archived" in out
    assert list(Lesson.objects.order_by("pk").values()) == before


def test_dry_run_of_a_new_course_creates_nothing(db):
    out = run_import(FIXTURES / "basics", "--dry-run")
    assert "(dry run) basics: 18 created" in out
    assert not Course.objects.exists()


def test_broken_links_of_unchanged_lessons_are_still_reported(folder):
    edit(folder / "broken.md", "# Broken\n\n[gone](gone.md)\n")
    assert "broken link: basics/broken.md:3 -> gone.md" in run_import(folder)
    out = run_import(folder)
    assert "19 unchanged" in out
    assert "broken link: basics/broken.md:3 -> gone.md" in out
    with pytest.raises(CommandError):
        call_command("import_content", str(folder), "--strict", stdout=StringIO())


def test_large_course_shows_progress(db, tmp_path):
    course = tmp_path / "big"
    course.mkdir()
    for n in range(120):
        (course / f"{n:03d}-lesson-{n}.md").write_text(f"# Lesson {n}\n\nText.\n")
    err = StringIO()
    call_command("import_content", str(course), stdout=StringIO(), stderr=err)
    assert "big: rendered 100/120 lessons" in err.getvalue()
    assert "big: rendered 120/120 lessons" in err.getvalue()
    assert Lesson.objects.count() == 120


# For the admin ------------------------------------------------------------------------------


def test_render_lesson_resolves_links_from_the_database(folder):
    edited = lesson("getting-started/first-steps")
    markdown = "See [the overview](./index.md) and [nothing](./nothing.md)."
    rendered = render_lesson(edited, markdown)
    stored = lesson("getting-started/first-steps").body
    assert stored.markdown == markdown
    assert 'href="/courses/basics/getting-started/"' in stored.html
    assert [p.kind for p in rendered.problems] == ["broken_link"]


def test_render_lesson_made_in_the_admin_links_from_its_doc_id(folder):
    made = Lesson(
        course=Course.objects.get(), doc_id="getting-started/extra", path="getting-started/extra"
    )
    markdown = "## Part\n\n[first](./01-first-steps.md), [second](second-lesson.md)."
    rendered = render_lesson(made, markdown)
    assert 'href="/courses/basics/getting-started/first-steps/"' in made.body.html
    assert 'href="/courses/basics/getting-started/second-lesson/"' in made.body.html
    assert made.body.toc == [{"id": "part", "title": "Part", "level": 2}]
    assert rendered.problems == []


def test_revert_lesson_rereads_its_file_and_clears_the_admin_flag(folder):
    edited = lesson("getting-started/first-steps")
    edited.title = "Staff title"
    edited.body.markdown = "Edited."
    edited.body.save()
    edited.edited_in_admin = True
    edited.save()
    version = Course.objects.get().content_version
    problems = revert_lesson(edited)
    reverted = lesson("getting-started/first-steps")
    assert problems == []
    assert reverted.title == "First Steps"
    assert reverted.body.markdown.startswith("# First Steps")
    assert "Some text." in reverted.body.html
    assert reverted.edited_in_admin is False
    assert Course.objects.get().content_version == version + 1
    assert "0 updated, 18 unchanged" in run_import(folder)


def test_revert_lesson_without_a_file_is_a_content_error(folder):
    (folder / "03-advanced" / "zeta.md").unlink()
    with pytest.raises(ContentError, match="basics/03-advanced/zeta.md: no such file"):
        revert_lesson(lesson("advanced/zeta"))
    made = Lesson(course=Course.objects.get(), doc_id="made", path="made")
    with pytest.raises(ContentError, match="no file to revert to"):
        revert_lesson(made)


def test_recompute_reading_order_follows_positions_set_in_the_admin(folder):
    Lesson.objects.filter(doc_id="advanced/zeta").update(position=0.5)
    Section.objects.filter(path="advanced").update(position=0)
    version = Course.objects.get().content_version
    assert recompute_reading_order(Course.objects.get()) > 0
    order = reading_order()
    assert order[:3] == ["advanced/zeta", "advanced/custom-id", "advanced/slugged"]
    assert Section.objects.get(path="advanced").order == 0
    assert Course.objects.get().content_version == version + 1
    assert recompute_reading_order(Course.objects.get()) == 0


def test_partial_reimport_costs_a_bounded_number_of_queries(folder):
    for name in ("01-first-steps.md", "02-second-lesson.md", "04-unlisted.md"):
        path = folder / "01-getting-started" / name
        path.write_text(path.read_text() + "\nOne more line.\n")
    (folder / "03-advanced" / "zeta.md").unlink()
    with CaptureQueriesContext(connection) as queries:
        out = run_import(folder)
    assert "3 updated, 14 unchanged, 1 archived" in out
    # Reading what the last import read and the rows (5), writing the changed bodies ahead (3),
    # the switch (6), deleting the bodies it replaced, looking for what dead imports left, and
    # storing what this import read (5): none per lesson.
    assert len(queries) <= 19


def test_prune_frees_the_url_of_a_deleted_lesson_for_another(folder):
    slugged = folder / "03-advanced" / "02-slugged.md"
    slugged.unlink()
    relative = folder / "03-advanced" / "03-relative-slug.md"
    edit(relative, relative.read_text().replace("slug: renamed", "slug: /top-level"))
    (folder / "01-getting-started" / "02-second-lesson.md").write_text("# Second\n")
    run_import(folder, "--prune")
    assert lesson("advanced/relative-slug").path == "top-level"
    assert not Lesson.objects.filter(doc_id="advanced/slugged").exists()


def test_prune_deletes_a_removed_nested_folder_whole(folder):
    shutil.rmtree(folder / "03-advanced")
    (folder / "01-getting-started" / "02-second-lesson.md").write_text("# Second\n")
    run_import(folder, "--prune")
    assert set(Section.objects.values_list("path", flat=True)) == {"middle", "getting-started"}


def test_revert_lesson_refuses_a_file_turned_symlink_out_of_the_course(folder, tmp_path):
    (tmp_path / "secret.md").write_text("# Secret\n")
    source = folder / "03-advanced" / "zeta.md"
    source.unlink()
    source.symlink_to(tmp_path / "secret.md")
    with pytest.raises(ContentError, match="zeta.md: leads out of the course folder"):
        revert_lesson(lesson("advanced/zeta"))
