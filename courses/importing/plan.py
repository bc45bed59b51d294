"""Planning one course's import: the course's rows compared with its files, and every
insert, update, archive and deletion decided in memory, before anything is written."""

from pathlib import Path

from django.utils import timezone

from courses.importing.order import assign_reading_order
from courses.models import Course, Lesson, Section

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
BODY_FIELDS = ("body", "content_hash", "source_hash", "imported_at", "edited_in_admin")
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


def body_values(written, now):
    """What a lesson takes from a body written for it ahead of the switch."""
    return {
        "body_id": written.body_id,
        "content_hash": written.content_hash,
        "source_hash": written.key,
        "imported_at": now,
        "edited_in_admin": False,
    }


def is_kept(row, force):
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


class Plan:
    """The changes one import makes to one course, decided in memory from the course's rows
    (`state`), its files (`source`) and the bodies written for its changed lessons."""

    def __init__(self, source, state, bodies, written_assets, report, *, prune, force):
        self.source = source
        self.state = state
        self.bodies = bodies
        self.written_assets = written_assets
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
        self.shown_assets, self.deleted_assets = [], []
        self.problems = {}
        self.original_paths = {row.pk: row.path for row in self.lessons}
        self.original_bodies = {row.pk: row.body_id for row in self.lessons}

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
            or self.shown_assets
            or self.deleted_assets
        )

    @property
    def replaced_bodies(self):
        """Bodies no lesson shows once the switch is done: those of lessons given a new body
        (their old ids, kept by the state) and of deleted lessons."""
        replaced = [self.original_bodies[row.pk] for row in self.rendered_lessons]
        return replaced + [row.body_id for row in self.deleted_lessons]

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
            if row is not None and is_kept(row, self.force):
                self.report.kept_admin_edits.append(source.doc_id)
                continue
            written = self.bodies.get(source.doc_id)
            if row is None:
                row = Lesson(course=self.course, doc_id=source.doc_id, section=section)
                set_changed(row, {**lesson_values(source), **body_values(written, self.now)})
                self.lessons.append(row)
                self.new_lessons.append(row)
                self.report.created.append(source.doc_id)
            elif written is None and not row.archived and row.section is section:
                self.report.unchanged.append(source.doc_id)
            else:
                listed = self.report.restored if row.archived else self.report.updated
                listed.append(source.doc_id)
                row.archived = False
                row.section = section
                if written is None:  # back from the archive, or its section was re-made
                    self.changed_lessons.append(row)
                else:
                    # Plain assignment: comparing would load the columns left unloaded.
                    for name, value in lesson_values(source).items():
                        setattr(row, name, value)
                    for name, value in body_values(written, self.now).items():
                        setattr(row, name, value)
                    self.rendered_lessons.append(row)
            if written is not None:
                problems = {"broken_links": written.broken_links, "warnings": written.warnings}
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
            kept = is_kept(row, self.force)
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
        """Images written ahead for this import are shown; those they replace, and those
        whose files are gone, are deleted."""
        self.shown_assets = list(self.written_assets.values())
        present = {asset.path for asset in self.source.assets}
        self.deleted_assets = [
            row.pk
            for path, row in self.state.assets.items()
            if path not in present or path in self.written_assets
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
