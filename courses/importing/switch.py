"""Writing an import so that learners never wait on it.

Everything heavy (lesson bodies with their search index, images) is written ahead, in short
transactions of its own, where no page looks yet: a body is found only through a lesson that
shows it, an image only once it belongs to a course. The switch then points the lessons at
their new bodies and hands the images to the course in one small transaction, which takes
about as long for a lesson whatever its size. Whatever an import wrote ahead and did not
switch to is deleted afterwards (or, after a crash, by the next import).
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from courses.importing.plan import BODY_FIELDS, LESSON_FIELDS, SECTION_FIELDS
from courses.models import Asset, Course, Lesson, LessonBody, Section

# Rows per write-ahead transaction: small enough that a learner's write waiting behind one
# waits milliseconds.
BODY_BATCH = 50
ASSET_BATCH = 10
BATCH_SIZE = 200
# Bodies and images written ahead this long ago and never switched to were left by an import
# that died; younger ones may belong to an import still running.
UNSHOWN_AFTER = datetime.timedelta(days=1)


@dataclass
class WrittenBody:
    """What the switch needs of a rendered lesson once its body is written: the body's id and
    the lesson's report lines."""

    key: str
    content_hash: str
    broken_links: list
    warnings: list
    errors: list
    body_id: int | None = None


@dataclass
class BodyWriter:
    """Writes rendered bodies ahead of the switch, a batch per transaction; remembers their
    ids so that an import that fails can take them back. Writes nothing on a dry run, and
    nothing more once a render has failed (the import will not switch)."""

    dry_run: bool
    pending: list = field(default_factory=list)
    written_ids: list = field(default_factory=list)
    failed: bool = False

    def add(self, lesson, render):
        written = WrittenBody(
            render.key, render.content_hash, render.broken_links, render.warnings, render.errors
        )
        self.failed = self.failed or bool(render.errors)
        if not (self.dry_run or self.failed):
            body = LessonBody(
                title=lesson.title,
                description=lesson.description,
                markdown=lesson.body,
                html=render.html,
                text=render.text,
                toc=render.toc,
            )
            self.pending.append((written, body))
            if len(self.pending) >= BODY_BATCH:
                self.flush()
        return written

    def flush(self):
        if not self.pending:
            return
        with transaction.atomic():
            bodies = LessonBody.objects.bulk_create([body for _, body in self.pending])
        for (written, _), body in zip(self.pending, bodies, strict=True):
            written.body_id = body.pk
            self.written_ids.append(body.pk)
        self.pending = []


def write_assets(source, state, dry_run):
    """{path: id} of the course's new and changed images, written ahead without a course."""
    changed = [
        asset
        for asset in source.assets
        if asset.path not in state.assets or state.assets[asset.path].digest != asset.digest
    ]
    if dry_run:
        return {}
    written = {}
    for start in range(0, len(changed), ASSET_BATCH):
        with transaction.atomic():
            rows = Asset.objects.bulk_create(
                Asset(
                    path=asset.path,
                    digest=asset.digest,
                    content_type=asset.content_type,
                    data=asset.data,
                    size=len(asset.data),
                )
                for asset in changed[start : start + ASSET_BATCH]
            )
        written.update((row.path, row.pk) for row in rows)
    return written


def content_version(slug, lock=False):
    """The course's content_version (None for a course not yet imported). With `lock`, the row
    is held until the transaction ends, as a key-preserving update holds it: learners' new
    completions of the course may still reference it meanwhile."""
    courses = Course.objects.select_for_update(no_key=True) if lock else Course.objects
    return courses.filter(slug=slug).values_list("content_version", flat=True).first()


def switch(plan):
    """Write `plan` in the caller's transaction: small rows only, the bodies and images being
    written already."""
    course = plan.course
    if plan.course_changed:
        course.save()
    for section in sorted(plan.new_sections, key=lambda s: s.path.count("/")):
        section.course = course
        section.save()
    Section.objects.bulk_update(plan.changed_sections, [*SECTION_FIELDS, "order", "depth"])
    for row in plan.rendered_lessons + plan.changed_lessons + plan.ordered_lessons:
        row.updated_at = plan.now
    Lesson.objects.filter(pk__in=[row.pk for row in plan.deleted_lessons]).delete()
    if plan.moved_lessons:  # paths may swap; park them first so no two rows share one
        final = {row.pk: row.path for row in plan.moved_lessons}
        for row in plan.moved_lessons:
            row.path = f"~moving~{row.pk}"
        update_rows(Lesson, plan.moved_lessons, ["path"])
        for row in plan.moved_lessons:
            row.path = final[row.pk]
    rendered = ["section", *LESSON_FIELDS, *BODY_FIELDS, "order", "updated_at"]
    update_rows(Lesson, plan.rendered_lessons, rendered)
    changed = ["section", "archived", "path", "order", "updated_at"]
    update_rows(Lesson, plan.changed_lessons, changed)
    update_rows(Lesson, plan.ordered_lessons, ["order", "updated_at"])
    for row in plan.new_lessons:
        row.course = course
    Lesson.objects.bulk_create(plan.new_lessons, batch_size=BATCH_SIZE)
    Section.objects.filter(pk__in=[row.pk for row in plan.deleted_sections]).delete()
    Asset.objects.filter(pk__in=plan.deleted_assets).delete()
    Asset.objects.filter(pk__in=plan.shown_assets).update(course=course)
    values = {"imported_at": plan.now}
    if plan.changed and plan.state.course is not None:
        values["content_version"] = F("content_version") + 1
    Course.objects.filter(pk=course.pk).update(**values)


def update_rows(model, rows, field_names):
    """UPDATE `field_names` of each row by primary key, one statement run for every row.
    bulk_update writes a CASE per field listing every row of the batch, which costs SQLite
    time that grows with the batch; this grows with the rows alone."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments}"  # noqa: S608 (names only)
        f" WHERE {quote(model._meta.pk.column)} = %s"
    )
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def delete_bodies(body_ids):
    """Delete those of `body_ids` that no lesson shows, a batch per statement. In SQL: the
    ORM's delete() would first load every body, HTML and all, to look for lessons showing it."""
    body_ids = list(body_ids)
    bodies, lessons = LessonBody._meta.db_table, Lesson._meta.db_table
    for start in range(0, len(body_ids), BATCH_SIZE):
        batch = body_ids[start : start + BATCH_SIZE]
        marks = ", ".join(["%s"] * len(batch))
        sql = (
            f"DELETE FROM {bodies} WHERE id IN ({marks}) AND NOT EXISTS"  # noqa: S608 (names only)
            f" (SELECT 1 FROM {lessons} WHERE {lessons}.body_id = {bodies}.id)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, batch)


def delete_assets(asset_ids):
    asset_ids = list(asset_ids)
    if asset_ids:
        Asset.objects.filter(pk__in=asset_ids, course=None).delete()


def delete_unshown():
    """What imports that died before their switch left behind."""
    written_before = timezone.now() - UNSHOWN_AFTER
    delete_bodies(LessonBody.objects.unshown(written_before).values_list("pk", flat=True))
    delete_assets(Asset.objects.unshown(written_before).values_list("pk", flat=True))
