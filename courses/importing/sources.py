"""Where PATH points, and what each course found there is called.

PATH is one of three things:

- a Docusaurus site (a folder with `docusaurus.config.*` and its docs folder), or that docs
  folder itself: one course, read with the site's config, sidebars and static files;
- a course folder (it holds lessons or a `_category_` file directly): one course;
- any other folder: a folder of courses, each subfolder one course (or one site).

`--course DIR` reads any folder as one course, whatever it holds.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from django.utils.text import slugify

from courses.importing.order import split_number_prefix
from courses.importing.report import ContentError
from courses.importing.site_config import config_file, read_site, site_of_docs_folder

LESSON_SUFFIXES = (".md", ".mdx")
CATEGORY_FILES = ("_category_.json", "_category_.yml", "_category_.yaml")
# Folder names that say nothing about which course they hold: a course named after one
# also takes the name of the nearest folder above it that says more ("alpha-docs").
GENERIC_NAMES = frozenset(
    ("docs", "doc", "documentation", "content", "contents", "website", "site", "src")
    + ("source", "course", "courses", "lessons", "markdown", "pages", "i18n", "current")
)
# The projectName Docusaurus' templates write ("Usually your repo name"): many unrelated sites
# keep it, so it names no course; their title does.
TEMPLATE_PROJECT_NAME = "docusaurus"
RELATIVE_LINK = re.compile(r"\]\(\s*<?((?:\.\./)+[^)\s>#?]+)")


@dataclass(frozen=True)
class CourseFolder:
    """One course to import: the folder of its lessons and what it is called."""

    folder: Path
    slug: str
    title: str = ""  # "" leaves it to the folder: its _category_ label, else its name
    site: object = None  # a site_config.Site, for a course read from a Docusaurus site
    among: Path | None = None  # the folder of courses it was found in


def is_course_folder(path):
    """A course folder holds lessons (.md/.mdx) or a _category_ file directly; any other
    folder is a folder of courses, one per subfolder."""
    return any(
        child.name in CATEGORY_FILES
        or (child.suffix.lower() in LESSON_SUFFIXES and not child.name.startswith(("_", ".")))
        for child in Path(path).iterdir()
    )


def find_courses(paths, course_dirs=(), slug=None):
    """The CourseFolder of every course PATH and --course DIR name; raise ContentError
    for a path that is not a folder, or a --slug that cannot name one course."""
    courses = []
    for path in map(Path, paths):
        _require_folder(path)
        course = site_course(path)
        if course is not None:
            courses.append(course)
        elif is_course_folder(path):
            courses.append(plain_course(path))
        else:
            for child in sorted(path.iterdir()):
                if child.is_dir() and not child.name.startswith((".", "_")):
                    courses.append(site_course(child) or plain_course(child, among=path))
    for path in map(Path, course_dirs):
        _require_folder(path)
        courses.append(plain_course(path))
    if slug:
        if len(courses) != 1:
            raise ContentError([f"--slug names one course, but {len(courses)} were found"])
        if slugify(slug) != slug:
            raise ContentError([f"--slug {slug!r}: use lowercase letters, digits and hyphens"])
        courses[0] = CourseFolder(**{**courses[0].__dict__, "slug": slug})
    return courses


def _require_folder(path):
    if not path.is_dir():
        raise ContentError([f"{path}: no such folder"])


def site_course(path):
    """The course of a Docusaurus site at `path` (the site or its docs folder), or None."""
    if config_file(path) is not None:
        site = read_site(path)
        if not site.docs_dir.is_dir():
            raise ContentError(
                [f"{path}: a Docusaurus site without its docs folder {site.docs_dir.name}/"]
            )
    else:
        site = site_of_docs_folder(path)
        if site is None:
            return None
    project = "" if site.project_name == TEMPLATE_PROJECT_NAME else site.project_name
    slug = slugify(project) or slugify(site.title) or identity_slug(site.root)
    return CourseFolder(site.docs_dir, slug, site.title, site)


def plain_course(path, among=None):
    path = Path(path)
    return CourseFolder(path, identity_slug(path), _generic_title(path), among=among)


def course_slug(folder_name):
    return slugify(split_number_prefix(folder_name)[1])


def identity_slug(folder):
    """The slug a folder gives its course: its name, with the nearest telling folder name
    above it in front when its own name is generic (two `docs` folders stay two courses)."""
    folder = Path(folder).resolve()
    slug = course_slug(folder.name)
    if folder.name.lower() not in GENERIC_NAMES:
        return slug
    telling = _telling_ancestor(folder)
    return f"{course_slug(telling.name)}-{slug}".strip("-") if telling else slug


def _telling_ancestor(folder):
    telling = (p for p in folder.parents if p.name and p.name.lower() not in GENERIC_NAMES)
    return next(telling, None)


def _generic_title(path):
    if path.name.lower() not in GENERIC_NAMES:
        return ""
    telling = _telling_ancestor(path.resolve())
    return split_number_prefix(telling.name)[1] if telling else ""


def linked_sibling(course):
    """For a course found in a folder of courses: a folder beside it that its lessons link
    into, or None. Those folders are most likely sections of one course."""
    if course.among is None:
        return None
    siblings = {child.name for child in course.among.iterdir() if child.is_dir()}
    root, among = course.folder.resolve(), course.among.resolve()
    for folder, _, files in os.walk(root):
        for name in files:
            if not name.lower().endswith(LESSON_SUFFIXES):
                continue
            text = Path(folder, name).read_text(encoding="utf-8", errors="replace")
            for target in RELATIVE_LINK.findall(text):
                landing = Path(os.path.normpath(Path(folder, target)))
                if landing.is_relative_to(among) and landing != among:
                    first = landing.relative_to(among).parts[0]
                    if first in siblings and first != root.name:
                        return course.among / first
    return None
