"""Bringing one course's rows in line with its files: load the rows, render what changed
(writing the bodies ahead), plan every change, then switch in one short transaction."""

from dataclasses import dataclass
from pathlib import Path

from django.db import DatabaseError, transaction

from courses.importing.guard import removal_problem
from courses.importing.links import LinkMap
from courses.importing.plan import Plan, is_kept
from courses.importing.render_jobs import render_all, render_key
from courses.importing.report import ContentError, CourseReport
from courses.importing.switch import (
    BodyWriter,
    content_version,
    delete_assets,
    delete_bodies,
    delete_unshown,
    switch,
    write_assets,
)
from courses.models import Asset, Course, Lesson, Section

# An unchanged source_hash means every field that comes from the file is unchanged too, so
# the import loads only these columns.
LESSON_STATE_FIELDS = (
    *("id", "course_id", "section_id", "doc_id", "path", "position", "order"),
    *("archived", "source_path", "source_hash", "edited_in_admin", "body_id"),
)
# Planning happens outside the switch; when staff save the course meanwhile, the import plans
# again on the new rows (reusing what it rendered) at most this many times.
SWITCH_ATTEMPTS = 3


@dataclass
class State:
    """A course's rows as the import needs them: no lesson text, no image data."""

    course: Course | None
    sections: dict
    lessons: dict
    assets: dict

    @classmethod
    def load(cls, slug):
        course = Course.objects.filter(slug=slug).first()
        if course is None:
            return cls(None, {}, {}, {})
        sections = list(Section.objects.filter(course=course))
        lessons = list(Lesson.objects.filter(course=course).only(*LESSON_STATE_FIELDS))
        assets = Asset.objects.filter(course=course).only("id", "path", "digest")
        attach(course, sections, lessons)
        return cls(
            course,
            {s.path: s for s in sections},
            {lesson.doc_id: lesson for lesson in lessons},
            {a.path: a for a in assets},
        )

    @property
    def content_version(self):
        return self.course.content_version if self.course is not None else None


def attach(course, sections, lessons):
    """Point loaded rows at each other in memory, so walking the outline costs no queries."""
    by_id = {section.pk: section for section in sections}
    for section in sections:
        section.course = course
        section.parent = by_id.get(section.parent_id)
    for lesson in lessons:
        lesson.course = course
        lesson.section = by_id.get(lesson.section_id)


def needs_render(source, state, keys, force):
    row = state.lessons.get(source.doc_id)
    if row is None:
        return True
    if is_kept(row, force):
        return False
    overwriting_an_edit = row.edited_in_admin or not row.source_path
    return overwriting_an_edit or row.source_hash != keys[source.doc_id]


def sync_course(
    source,
    *,
    dry_run=False,
    strict=False,
    prune=False,
    force=False,
    replace=False,
    on_progress=None,
):
    """Bring one course's rows in line with its CourseSource and return the CourseReport.

    Only lessons whose render key changed are rendered, and their bodies are written before
    the switch, so learners' writes wait for no more than the switch's small rows. Raises
    ContentError (and leaves the course as it was) on links that leave the course, on URL path
    clashes with rows made in the admin, with `strict` on broken links, and unless `replace`
    when it would take most of the course's lessons away (see `guard`).
    """
    state = State.load(source.slug)
    kept_paths = {doc_id: row.path for doc_id, row in state.lessons.items() if is_kept(row, force)}
    links = LinkMap.from_source(source, kept_paths)
    keys = {lesson.doc_id: render_key(lesson, links) for lesson in source.lessons}
    writer = BodyWriter(dry_run)
    bodies = {}
    written_assets = {}
    try:
        for _ in range(SWITCH_ATTEMPTS):
            written_assets = written_assets or write_assets(source, state, dry_run)
            needed = [x for x in source.lessons if needs_render(x, state, keys, force)]
            render_missing(source, needed, bodies, keys, links, writer, on_progress)
            plan = make_plan(
                source, state, needed, bodies, written_assets, dry_run, prune, force, replace
            )
            check(plan, strict)
            if dry_run:
                return plan.report
            with transaction.atomic():
                # Every write to a course's content bumps its content_version, so an unchanged
                # version means the plan still holds.
                if content_version(source.slug, lock=True) == state.content_version:
                    switch(plan)
                    break
            state = State.load(source.slug)  # staff saved the course while it rendered
        else:
            raise ContentError(
                [f"{source.slug}: the course changed {SWITCH_ATTEMPTS} times during the import;"
                 " nothing was changed, run it again"]
            )  # fmt: skip
    except BaseException:
        discard(writer.written_ids, written_assets.values())
        raise
    shown = {row.body_id for row in plan.lessons}
    delete_bodies([*plan.replaced_bodies, *(i for i in writer.written_ids if i not in shown)])
    delete_unshown()
    source.memo.save(plan.course)
    return plan.report


def discard(body_ids, asset_ids):
    """Delete what a failed import wrote ahead; if the database refuses even that, the next
    import deletes it (see delete_unshown)."""
    try:
        delete_bodies(body_ids)
        delete_assets(asset_ids)
    except DatabaseError:
        pass


def render_missing(source, needed, bodies, keys, links, writer, on_progress):
    """Render the `needed` lessons not rendered yet and write their bodies ahead."""
    missing = [x for x in needed if x.doc_id not in bodies]
    folder_name = Path(source.source_dir).name
    jobs = [(x, keys[x.doc_id], f"{folder_name}/{x.source_path}") for x in missing]
    for done, (lesson, render) in enumerate(zip(missing, render_all(jobs, links), strict=True)):
        bodies[lesson.doc_id] = writer.add(lesson, render)
        if on_progress is not None:
            on_progress(source.slug, done + 1, len(missing))
    writer.flush()


def make_plan(source, state, needed, bodies, written_assets, dry_run, prune, force, replace):
    report = CourseReport(source.slug, source.source_dir, dry_run=dry_run)
    report.warnings.extend(source.warnings)
    wanted = {lesson.doc_id: bodies[lesson.doc_id] for lesson in needed}
    plan = Plan(source, state, wanted, written_assets, report, prune=prune, force=force)
    live = {d for d, row in state.lessons.items() if row.source_path and not row.archived}
    imported_from = state.course.source_dir if state.course else ""
    plan.plan()
    removing = len(live.intersection(report.archived + report.pruned))
    problem = removal_problem(
        source.slug, imported_from, live=len(live), removing=removing,
        from_dir=source.source_dir, confirmed=replace,
    )  # fmt: skip
    if problem:
        report.errors.append(problem)
    return plan


def check(plan, strict):
    """Raise ContentError listing every reason the plan may not be written."""
    errors = [error for written in plan.bodies.values() for error in written.errors]
    errors += plan.report.errors
    if strict:
        errors += [f"{link} (broken link; --strict)" for link in plan.report.broken_links]
    if errors:
        raise ContentError(errors)
