"""The importer's rules for what staff do in the admin: render an edited lesson, revert one
to its file, renumber the reading order after a move."""

import posixpath
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from courses.importing.links import LinkMap, docusaurus_url
from courses.importing.order import assign_reading_order
from courses.importing.plan import lesson_values, set_changed
from courses.importing.render_jobs import (
    render_all,
    render_body,
    render_key,
    warm_up_renderer,
)
from courses.importing.report import ContentError
from courses.importing.switch import BATCH_SIZE
from courses.importing.sync import attach
from courses.importing.tree import read_lesson_file
from courses.importing.workers import Stopped, run_jobs
from courses.models import Course, Lesson, LessonBody, Section


def render_edits(course, edits):
    """Render each (lesson, markdown) edit as the importer would render the lesson's file,
    resolving relative links through the course's lessons in the database, from the
    lesson's file (or, for a lesson made in the admin, its doc id). Each renders in a worker
    process; yields each lesson with its Rendered (problems to show the editor), or with None
    when rendering took more than RENDER_TIME_LIMIT seconds. Stores nothing."""
    edits = list(edits)
    jobs = []
    for lesson, markdown in edits:
        section_path = lesson.section.path if lesson.section_id else None
        base_dir = posixpath.dirname(lesson.source_path or lesson.doc_id)
        page_url = docusaurus_url(lesson.path, section_path)
        jobs.append((markdown, base_dir, page_url, lesson.meta or {}))
    warm_up_renderer()
    outcomes = run_jobs(
        partial(_render_edit, LinkMap.from_database(course)),
        jobs,
        workers=1,
        time_limit=settings.RENDER_TIME_LIMIT,
    )
    for (lesson, _), outcome in zip(edits, outcomes, strict=True):
        yield lesson, None if isinstance(outcome, Stopped) else outcome


def render_edit(lesson, markdown):
    """The Rendered of one edit (see render_edits); ContentError when it took too long."""
    [(_, rendered)] = render_edits(lesson.course, [(lesson, markdown)])
    if rendered is None:
        limit = settings.RENDER_TIME_LIMIT
        raise ContentError([f"rendering stopped because it took more than {limit} s"])
    return rendered


def render_lesson(lesson, markdown):
    """Render `markdown` (as edited in the admin) into the lesson's body (render_edit) and
    save the body (a new one for a new lesson); the caller saves the lesson. The returned
    Rendered lists problems to show the editor. ContentError, and nothing saved, when
    rendering took too long."""
    rendered = render_edit(lesson, markdown)
    store_body(lesson, markdown, rendered.html, rendered.toc)
    return rendered


def _render_edit(links, job):
    markdown, base_dir, page_url, meta = job
    rendered, _ = render_body(
        markdown, base_dir=base_dir, page_url=page_url, links=links, meta=meta
    )
    return rendered


def store_body(lesson, markdown, html, toc):
    """Write the lesson's text into its body, in place: an admin edit is one small row, saved
    in the admin's own transaction."""
    body = lesson.body if lesson.body_id else LessonBody()
    body.title, body.description = lesson.title, lesson.description
    body.markdown, body.html, body.toc = markdown, html, list(toc)
    body.save()
    lesson.show(body)


def revert_lesson(lesson):
    """Overwrite a lesson with its source file again (title, body, everything the file
    says), clear edited_in_admin and save. Returns the broken links and warnings found;
    raises ContentError when the file is gone or invalid."""
    course = lesson.course
    root = Path(course.source_dir or ".")
    where = f"{root.name}/{lesson.source_path}"
    if not lesson.source_path or not course.source_dir:
        raise ContentError(
            [f"{lesson.doc_id}: made in the admin, so there is no file to revert to"]
        )
    if (lesson.meta or {}).get("generated_index"):
        raise ContentError(
            [f"{lesson.doc_id}: made by the import from its section; import_content remakes it"]
        )
    if not (root / lesson.source_path).is_file():
        raise ContentError([f"{where}: no such file"])
    source = read_lesson_file(root, lesson.source_path)
    if source.doc_id != lesson.doc_id:
        raise ContentError(
            [f"{where}: now has doc id {source.doc_id!r}; run import_content to pick it up"]
        )
    taken = Lesson.objects.filter(course=course, path=source.path).exclude(pk=lesson.pk)
    if taken.exists():
        raise ContentError([f"{where}: URL path {source.path!r} is taken by another lesson"])
    links = LinkMap.from_database(course)
    [render] = render_all([(source, render_key(source, links), where)], links)
    if render.errors:
        raise ContentError(render.errors)
    set_changed(lesson, lesson_values(source))
    lesson.source_hash, lesson.imported_at = render.key, timezone.now()
    lesson.edited_in_admin = False
    with transaction.atomic():
        store_body(lesson, source.body, render.html, render.toc)
        lesson.save()
        Course.objects.filter(pk=course.pk).update(content_version=F("content_version") + 1)
    return render.broken_links + render.warnings


def recompute_reading_order(course):
    """Renumber Section.order/depth and Lesson.order from positions and file names, after
    staff moved things in the admin. Returns how many rows changed."""
    sections = list(Section.objects.filter(course=course))
    lessons = list(
        Lesson.objects.filter(course=course).only(
            "id", "course_id", "section_id", "doc_id", "position", "order", "source_path"
        )
    )
    attach(course, sections, lessons)
    changed_sections, changed_lessons = assign_reading_order(sections, lessons)
    if changed_sections or changed_lessons:
        with transaction.atomic():
            Section.objects.bulk_update(changed_sections, ["order", "depth"])
            Lesson.objects.bulk_update(changed_lessons, ["order"], batch_size=BATCH_SIZE)
            Course.objects.filter(pk=course.pk).update(content_version=F("content_version") + 1)
    return len(changed_sections) + len(changed_lessons)
