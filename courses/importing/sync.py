"""Writing one course: its CourseSource compared with its rows, only changed lessons
rendered, every change planned in memory and then written in one transaction."""

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from courses.importing.links import LinkMap
from courses.importing.order import assign_reading_order
from courses.importing.render_jobs import render_all, render_key
from courses.importing.report import ContentError, CourseReport
from courses.models import Asset, Course, Lesson, Section, content_hash

# Writing a course (one transaction) -----------------------------------------------------------

# An unchanged source_hash means every field that comes from the file is unchanged too, so
# the import loads only these columns.
LESSON_STATE_FIELDS = (
    *("id", "course_id", "section_id", "doc_id", "path", "position", "order"),
    *("archived", "source_path", "source_hash", "edited_in_admin"),
)
LESSON_FIELDS = (
    "path",
    "title",
    "sidebar_label",
    "description",
    "position",
    "tags",
    "meta",
    "draft",
    "unlisted",
    "archived",
    "hide_title",
    "hide_table_of_contents",
    "pagination_prev",
    "pagination_next",
    "source_path",
)
RENDER_FIELDS = (
    "body_markdown",
    "body_html",
    "body_text",
    "toc",
    "content_hash",
    "source_hash",
    "imported_at",
    "edited_in_admin",
)
SECTION_FIELDS = (
    "parent",
    "slug",
    "title",
    "description",
    "position",
    "collapsed",
    "source_path",
    "archived",
    "meta",
    "edited_in_admin",
)
# What staff edit on a course or a section in the admin; a plain import keeps these.
COURSE_ADMIN_FIELDS = ("title", "description", "position")
SECTION_ADMIN_FIELDS = ("title", "description", "position", "collapsed", "archived")
BATCH_SIZE = 200


@dataclass
class _State:
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


def attach(course, sections, lessons):
    """Point loaded rows at each other in memory, so walking the outline costs no queries."""
    by_id = {section.pk: section for section in sections}
    for section in sections:
        section.course = course
        section.parent = by_id.get(section.parent_id)
    for lesson in lessons:
        lesson.course = course
        lesson.section = by_id.get(lesson.section_id)


def lesson_values(lesson):
    return {
        "path": lesson.path,
        "title": lesson.title,
        "sidebar_label": lesson.sidebar_label,
        "description": lesson.description,
        "position": lesson.position,
        "tags": list(lesson.tags),
        "meta": lesson.meta,
        "draft": lesson.draft,
        "unlisted": lesson.unlisted,
        "archived": False,
        "hide_title": lesson.hide_title,
        "hide_table_of_contents": lesson.hide_table_of_contents,
        "pagination_prev": lesson.pagination_prev,
        "pagination_next": lesson.pagination_next,
        "source_path": lesson.source_path,
    }


def render_values(lesson, render, now):
    return {
        "body_markdown": lesson.body,
        "body_html": render.html,
        "body_text": render.text,
        "toc": render.toc,
        "content_hash": content_hash(lesson.body),
        "source_hash": render.key,
        "imported_at": now,
        "edited_in_admin": False,
    }


def _is_kept(row, force):
    """Admin edits (and lessons made in the admin) win over files unless --force."""
    return not force and (row.edited_in_admin or not row.source_path)


def _keeps_admin_edits(row, force):
    """A course or section staff edited in the admin keeps those edits unless --force."""
    return not force and row.pk is not None and row.edited_in_admin


def _values_from_files(row, values, admin_fields, force):
    """What an import writes to a course or section row: everything the files say, less the
    fields staff edited in the admin (unless --force, which also clears the mark)."""
    if _keeps_admin_edits(row, force):
        return {name: value for name, value in values.items() if name not in admin_fields}
    return {**values, "edited_in_admin": False}


class _Sync:
    """The changes one import makes to one course, planned in memory, then applied."""

    def __init__(self, source, state, renders, report, *, prune, force):
        self.source = source
        self.state = state
        self.renders = renders
        self.report = report
        self.prune = prune
        self.force = force
        self.now = timezone.now()
        self.course = state.course or Course(slug=source.slug)
        self.course_changed = state.course is None
        self.sections = list(state.sections.values())
        self.new_sections, self.changed_sections, self.deleted_sections = [], [], []
        self.lessons = list(state.lessons.values())
        self.new_lessons, self.rendered_lessons, self.changed_lessons = [], [], []
        self.deleted_lessons, self.moved_lessons, self.ordered_lessons = [], [], []
        self.new_assets, self.changed_assets, self.deleted_assets = [], [], []
        self.problems = {}
        self.original_paths = {row.pk: row.path for row in self.lessons}

    def where(self, rel):
        return f"{Path(self.source.source_dir).name}/{rel}"

    @property
    def changed(self):
        return bool(
            self.course_changed
            or self.new_sections
            or self.changed_sections
            or self.deleted_sections
            or self.new_lessons
            or self.rendered_lessons
            or self.changed_lessons
            or self.deleted_lessons
            or self.ordered_lessons
            or self.new_assets
            or self.changed_assets
            or self.deleted_assets
        )

    def plan(self):
        self.plan_sections()
        self.plan_lessons()
        self.plan_gone_lessons()
        self.plan_paths()
        self.plan_assets()
        self.plan_course()
        self.plan_order()

    def plan_sections(self):
        by_path = dict(self.state.sections)
        for source in self.source.sections:  # parents come first (sorted by depth)
            row = by_path.get(source.path)
            if row is None:
                row = Section(course=self.course, path=source.path)
                by_path[source.path] = row
                self.sections.append(row)
                self.new_sections.append(row)
            parent = by_path[source.parent_path] if source.parent_path else None
            values = {
                "slug": source.slug,
                "title": source.title,
                "description": source.description,
                "position": source.position,
                "collapsed": source.collapsed,
                "source_path": source.source_path,
                "archived": False,
                "meta": source.meta,
            }
            if _keeps_admin_edits(row, self.force):
                self.report.kept_admin_edits.append(f"section {row.path}")
            values = _values_from_files(row, values, SECTION_ADMIN_FIELDS, self.force)
            changed = set_changed(row, values) or row.parent is not parent
            row.parent = parent
            if changed and row.pk is not None:
                self.changed_sections.append(row)
        self.sections_by_path = by_path
        present = {source.path for source in self.source.sections}
        for row in self.state.sections.values():
            if row.source_path and row.path not in present and not row.archived:
                if _keeps_admin_edits(row, self.force):
                    self.report.kept_admin_edits.append(f"section {row.path}")
                else:
                    row.archived = True
                    self.changed_sections.append(row)

    def plan_lessons(self):
        carried = (self.course.meta or {}).get("import_problems", {})
        for source in self.source.lessons:
            row = self.state.lessons.get(source.doc_id)
            section = self.sections_by_path.get(source.section_path)
            if row is not None and _is_kept(row, self.force):
                self.report.kept_admin_edits.append(source.doc_id)
                continue
            render = self.renders.get(source.doc_id)
            if row is None:
                row = Lesson(course=self.course, doc_id=source.doc_id, section=section)
                set_changed(
                    row, {**lesson_values(source), **render_values(source, render, self.now)}
                )
                self.lessons.append(row)
                self.new_lessons.append(row)
                self.report.created.append(source.doc_id)
            elif render is None and not row.archived and row.section is section:
                self.report.unchanged.append(source.doc_id)
            else:
                listed = self.report.restored if row.archived else self.report.updated
                listed.append(source.doc_id)
                row.archived = False
                row.section = section
                if render is None:  # back from the archive, or its section was re-made
                    self.changed_lessons.append(row)
                else:
                    # Plain assignment: comparing would load the columns left unloaded.
                    for name, value in lesson_values(source).items():
                        setattr(row, name, value)
                    for name, value in render_values(source, render, self.now).items():
                        setattr(row, name, value)
                    self.rendered_lessons.append(row)
            if render is not None:
                problems = {"broken_links": render.broken_links, "warnings": render.warnings}
            else:
                problems = carried.get(source.doc_id, {})
            if problems.get("broken_links") or problems.get("warnings"):
                self.problems[source.doc_id] = problems
                self.report.broken_links.extend(problems.get("broken_links", []))
                self.report.warnings.extend(problems.get("warnings", []))

    def plan_gone_lessons(self):
        present = {source.doc_id for source in self.source.lessons}
        for row in self.state.lessons.values():
            if not row.source_path or row.doc_id in present:
                continue
            kept = _is_kept(row, self.force)
            if self.prune and not kept:
                self.deleted_lessons.append(row)
                self.report.pruned.append(row.doc_id)
                continue
            if kept:
                self.report.kept_admin_edits.append(row.doc_id)
            if not row.archived:
                row.archived = True
                self.changed_lessons.append(row)
                self.report.archived.append(row.doc_id)
        deleted = {id(row) for row in self.deleted_lessons}
        self.lessons = [row for row in self.lessons if id(row) not in deleted]
        if self.prune:
            self.deleted_sections = self.unused_archived_sections()
            gone = {id(row) for row in self.deleted_sections}
            self.sections = [row for row in self.sections if id(row) not in gone]
            self.changed_sections = [row for row in self.changed_sections if id(row) not in gone]

    def unused_archived_sections(self):
        """Archived folder sections that hold no lesson, directly or below."""
        kept = {id(s) for s in self.sections if not (s.source_path and s.archived)}
        kept |= {id(row.section) for row in self.lessons if row.section is not None}
        for section in self.sections:
            if id(section) in kept:
                parent = section.parent
                while parent is not None and id(parent) not in kept:
                    kept.add(id(parent))
                    parent = parent.parent
        return [s for s in self.sections if id(s) not in kept]

    def plan_paths(self):
        """Keep URL paths unique: a live lesson's path wins over an archived one's, and two
        live lessons may not share one."""
        live = {}
        for row in self.lessons:
            if row.archived:
                continue
            if row.path in live:
                other = live[row.path]
                self.report.errors.append(
                    f"{self.where(row.source_path or row.doc_id)}: URL path {row.path!r} is "
                    f"taken by lesson {other.doc_id!r}{_admin_note(other)}"
                )
            live[row.path] = row
        for row in self.lessons:
            if row.archived and row.path in live and live[row.path] is not row:
                row.path = f"{row.path[:480]}~archived-{row.pk}"
                if row not in self.rendered_lessons and row not in self.changed_lessons:
                    self.changed_lessons.append(row)
        self.moved_lessons = [
            row
            for row in self.lessons
            if row.pk is not None and self.original_paths[row.pk] != row.path
        ]

    def plan_assets(self):
        present = {asset.path for asset in self.source.assets}
        for asset in self.source.assets:
            row = self.state.assets.get(asset.path)
            if row is None:
                row = Asset(course=self.course, path=asset.path)
                self.new_assets.append(row)
            elif row.digest == asset.digest:
                continue
            else:
                self.changed_assets.append(row)
            row.digest = asset.digest
            row.content_type = asset.content_type
            row.data = asset.data
            row.size = len(asset.data)
        self.deleted_assets = [
            row for path, row in self.state.assets.items() if path not in present
        ]

    def plan_course(self):
        meta = dict(self.source.meta)
        if self.problems:
            meta["import_problems"] = self.problems
        values = {
            "title": self.source.title,
            "description": self.source.description,
            "position": self.source.position,
            "source_dir": self.source.source_dir,
            "meta": meta,
        }
        if _keeps_admin_edits(self.course, self.force):
            self.report.kept_admin_edits.append(f"course {self.course.slug}")
        values = _values_from_files(self.course, values, COURSE_ADMIN_FIELDS, self.force)
        self.course_changed = set_changed(self.course, values) or self.course_changed

    def plan_order(self):
        changed_sections, changed_lessons = assign_reading_order(self.sections, self.lessons)
        for section in changed_sections:
            if section.pk is not None and section not in self.changed_sections:
                self.changed_sections.append(section)
        updated = {id(row) for row in self.rendered_lessons + self.changed_lessons}
        self.ordered_lessons = [
            row for row in changed_lessons if row.pk is not None and id(row) not in updated
        ]

    def apply(self):
        course = self.course
        if self.course_changed:
            course.save()
        for section in sorted(self.new_sections, key=lambda s: s.path.count("/")):
            section.course = course
            section.save()
        Section.objects.bulk_update(self.changed_sections, [*SECTION_FIELDS, "order", "depth"])
        for row in self.rendered_lessons + self.changed_lessons + self.ordered_lessons:
            row.updated_at = self.now
        Lesson.objects.filter(pk__in=[row.pk for row in self.deleted_lessons]).delete()
        if self.moved_lessons:  # paths may swap; park them first so no two rows share one
            final = {row.pk: row.path for row in self.moved_lessons}
            for row in self.moved_lessons:
                row.path = f"~moving~{row.pk}"
            Lesson.objects.bulk_update(self.moved_lessons, ["path"], batch_size=BATCH_SIZE)
            for row in self.moved_lessons:
                row.path = final[row.pk]
        rendered_fields = ["section", *LESSON_FIELDS, *RENDER_FIELDS, "order", "updated_at"]
        Lesson.objects.bulk_update(self.rendered_lessons, rendered_fields, batch_size=BATCH_SIZE)
        Lesson.objects.bulk_update(
            self.changed_lessons,
            ["section", "archived", "path", "order", "updated_at"],
            batch_size=BATCH_SIZE,
        )
        Lesson.objects.bulk_update(
            self.ordered_lessons, ["order", "updated_at"], batch_size=BATCH_SIZE
        )
        for row in self.new_lessons:
            row.course = course
        Lesson.objects.bulk_create(self.new_lessons, batch_size=BATCH_SIZE)
        Section.objects.filter(pk__in=[row.pk for row in self.deleted_sections]).delete()
        for row in self.new_assets:
            row.course = course
        Asset.objects.bulk_create(self.new_assets, batch_size=20)
        Asset.objects.bulk_update(self.changed_assets, ["digest", "content_type", "data", "size"])
        Asset.objects.filter(pk__in=[row.pk for row in self.deleted_assets]).delete()
        values = {"imported_at": self.now}
        if self.changed and self.state.course is not None:
            values["content_version"] = F("content_version") + 1
        Course.objects.filter(pk=course.pk).update(**values)


def _admin_note(row):
    return " (made in the admin)" if not row.source_path else ""


def set_changed(obj, values):
    """Set attributes; True if any differed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _needs_render(source, state, keys, force):
    row = state.lessons.get(source.doc_id)
    if row is None:
        return True
    if _is_kept(row, force):
        return False
    overwriting_an_edit = row.edited_in_admin or not row.source_path
    return overwriting_an_edit or row.source_hash != keys[source.doc_id]


def sync_course(
    source, *, dry_run=False, strict=False, prune=False, force=False, on_progress=None
):
    """Bring one course's rows in line with its CourseSource, in one transaction, and
    return the CourseReport.

    Only lessons whose render key changed are rendered, and rendering happens before the
    transaction so that learners' writes are not held up by it. Raises ContentError (and
    writes nothing) on links that leave the course, on URL path clashes with rows made in
    the admin, and with `strict` on broken links.
    """
    state = _State.load(source.slug)
    kept_paths = {
        doc_id: row.path for doc_id, row in state.lessons.items() if _is_kept(row, force)
    }
    links = LinkMap.from_source(source, kept_paths)
    keys = {lesson.doc_id: render_key(lesson, links) for lesson in source.lessons}
    renders = {}

    def plan(state):
        needed = [x for x in source.lessons if _needs_render(x, state, keys, force)]
        missing = [x for x in needed if x.doc_id not in renders]
        folder_name = Path(source.source_dir).name
        jobs = [(x, keys[x.doc_id], f"{folder_name}/{x.source_path}") for x in missing]
        made = render_all(jobs, links)
        for done, (lesson, render) in enumerate(zip(missing, made, strict=True), start=1):
            renders[lesson.doc_id] = render
            if on_progress is not None:
                on_progress(source.slug, done, len(missing))
        report = CourseReport(source.slug, source.source_dir, dry_run=dry_run)
        report.warnings.extend(source.warnings)
        wanted = {lesson.doc_id: renders[lesson.doc_id] for lesson in needed}
        sync = _Sync(source, state, wanted, report, prune=prune, force=force)
        sync.plan()
        errors = [error for render in wanted.values() for error in render.errors]
        errors += report.errors
        if strict:
            errors += [f"{link} (broken link; --strict)" for link in report.broken_links]
        if errors:
            raise ContentError(errors)
        return sync

    sync = plan(state)
    if dry_run:
        return sync.report
    with transaction.atomic():
        # Every write to a course's content bumps its content_version, so an unchanged
        # version means the plan still holds; otherwise (an admin save while the lessons
        # rendered) plan again on fresh rows, reusing the renders already made.
        if _content_version(source.slug, lock=True) != _content_version_of(state.course):
            sync = plan(_State.load(source.slug))
        sync.apply()
    return sync.report


def _content_version(slug, lock=False):
    courses = Course.objects.select_for_update() if lock else Course.objects.all()
    return courses.filter(slug=slug).values_list("content_version", flat=True).first()


def _content_version_of(course):
    return course.content_version if course is not None else None
