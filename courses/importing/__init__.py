"""Import Docusaurus-format course folders into the database.

The package's files are the pipeline, in the order an import runs them:

- `sources`: where PATH points (a Docusaurus site, a course folder or a folder of
  courses), with `site_config` for what a site's `docusaurus.config.*` says and
  `javascript` for reading literals out of it without running it;
- `tree`: every file read and validated into plain records (`records`, no ORM), with
  `fields` for frontmatter and `_category_` files and `order` for names, prefixes and
  reading order; `memo` keeps what was read, so a file whose bytes did not change is not
  parsed again;
- `sidebars`: a site's first sidebar laying the course out; `pages`: the category index
  pages the import makes; `linked_files`: the files lessons link to (beside them or in `static/`);
- `links`: where each lesson and image is served, and how a body's links find them;
- `render_jobs`: which lessons need rendering, rendered over worker processes;
- `sync`: the rows compared with the files, every change planned, then one short write,
  with `guard` stopping an import that would take most of a course away;
- `report`: what the import says, one line per problem naming the file and line;
- `admin_edits`: the same rules applied to what staff change in the admin.

A bad file never leaves half a course behind: a course is read and validated whole before
anything is written, and written in one transaction.
"""

import dataclasses

from django.db import DatabaseError

from courses.importing.admin_edits import (
    recompute_reading_order,
    render_edit,
    render_edits,
    render_lesson,
    revert_lesson,
    store_body,
)
from courses.importing.linked_files import add_linked_files
from courses.importing.memo import Memo
from courses.importing.pages import add_generated_indexes
from courses.importing.report import ContentError, CourseReport
from courses.importing.sidebars import apply_sidebar
from courses.importing.sources import find_courses, linked_sibling
from courses.importing.sync import sync_course
from courses.importing.tree import read_course

__all__ = [
    "ContentError",
    "CourseReport",
    "import_content",
    "read_course",
    "read_course_folder",
    "recompute_reading_order",
    "render_edit",
    "render_edits",
    "render_lesson",
    "revert_lesson",
    "store_body",
    "sync_course",
]


def read_course_folder(course):
    """Read one CourseFolder into its CourseSource: the folder's files, laid out by the
    site's sidebar when it has one, with its generated pages and static files."""
    memo = Memo.load(course.slug)
    source = read_course(course.folder, slug=course.slug, title=course.title, memo=memo)
    site = course.site
    if site is not None:
        warnings = (*site.warnings, *source.warnings)
        source = dataclasses.replace(source, site=site, warnings=warnings)
        source = apply_sidebar(source, site)
    return add_generated_indexes(add_linked_files(source, course.folder, site))


def import_content(
    paths,
    *,
    courses=(),
    slug=None,
    dry_run=False,
    strict=False,
    prune=False,
    force=False,
    replace=False,
    on_progress=None,
):
    """Import every course that `paths` (see `sources`) and `courses` (folders read as
    one course each) hold; `slug` names the course when there is exactly one.

    Returns one CourseReport per course; a course that could not be imported has its
    problems in `report.errors` and its rows exactly as they were. Raises ContentError
    only when a path is not a folder or `slug` cannot apply.
    """
    reports, folders_by_slug = [], {}
    for course in find_courses(paths, courses, slug):
        folder, slug = course.folder, course.slug
        if slug in folders_by_slug:
            other = folders_by_slug[slug]
            error = f"{folder}: course slug {slug!r} is also the slug of {other}"
            reports.append(CourseReport(slug, str(folder), dry_run, errors=[error]))
            continue
        folders_by_slug[slug] = folder
        if hint := _one_course_hint(course):
            reports.append(CourseReport(slug, str(folder), dry_run, errors=hint))
            continue
        try:
            report = sync_course(
                read_course_folder(course),
                dry_run=dry_run,
                strict=strict,
                prune=prune,
                force=force,
                replace=replace,
                on_progress=on_progress,
            )
        except ContentError as error:
            report = CourseReport(slug, str(folder), dry_run, errors=error.errors)
        except DatabaseError as error:
            message = (
                f"{folder.name}: the database refused the import ({error}); "
                "the course was left as it was"
            )
            report = CourseReport(slug, str(folder), dry_run, errors=[message])
        reports.append(report)
    return reports


def _one_course_hint(course):
    """For a course in a folder of courses whose folders link into each other: the error
    saying the folder is most likely one course (imported apart, every such link would be
    broken)."""
    sibling = linked_sibling(course)
    if sibling is None:
        return []
    return [
        f"{course.among}: {course.folder.name}/ links into {sibling.name}/, so these folders "
        f"look like sections of one course: import it with --course {course.among}"
    ]
