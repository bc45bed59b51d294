"""Import Docusaurus-format course folders into the database.

The package's files are the pipeline, in the order an import runs them:

- `sources`: where PATH points (a course folder or a folder of courses);
- `tree`: every file read and validated into plain dataclasses (no ORM), with `fields`
  for frontmatter and `_category_` files and `order` for names, prefixes and reading order;
- `links`: where each lesson and image is served, and how a body's links find them;
- `render_jobs`: which lessons need rendering, rendered over worker processes;
- `sync`: the rows compared with the files, every change planned, then one short write;
- `report`: what the import says, one line per problem naming the file and line;
- `admin_edits`: the same rules applied to what staff change in the admin.

A bad file never leaves half a course behind: a course is read and validated whole before
anything is written, and written in one transaction.
"""

from django.db import DatabaseError

from courses.importing.admin_edits import recompute_reading_order, render_lesson, revert_lesson
from courses.importing.report import ContentError, CourseReport
from courses.importing.sources import course_slug, find_course_folders
from courses.importing.sync import sync_course
from courses.importing.tree import read_course

__all__ = [
    "ContentError",
    "CourseReport",
    "import_content",
    "read_course",
    "recompute_reading_order",
    "render_lesson",
    "revert_lesson",
    "sync_course",
]


def import_content(
    paths, *, dry_run=False, strict=False, prune=False, force=False, on_progress=None
):
    """Import every course found under `paths` (see `is_course_folder`).

    Returns one CourseReport per course; a course that could not be imported has its
    problems in `report.errors` and its rows exactly as they were. Raises ContentError
    only when a path is not a folder.
    """
    reports, folders_by_slug = [], {}
    for folder in find_course_folders(paths):
        slug = course_slug(folder.name) or folder.name
        if slug in folders_by_slug:
            other = folders_by_slug[slug]
            error = f"{folder}: course slug {slug!r} is also the slug of {other}"
            reports.append(CourseReport(slug, str(folder), dry_run, errors=[error]))
            continue
        folders_by_slug[slug] = folder
        try:
            report = sync_course(
                read_course(folder),
                dry_run=dry_run,
                strict=strict,
                prune=prune,
                force=force,
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
