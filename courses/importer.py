"""Import Docusaurus-format course folders into the database.

Two steps, so that a bad file never leaves half a course behind:

1. `read_course(folder)` reads and validates every file into frozen dataclasses
   (no ORM) and raises `ContentError` listing every problem, one line each.
2. `sync_course(source)` compares them with the course's rows (a few queries),
   renders only the lessons whose file or link targets changed, and writes
   everything in one transaction.

The rules follow Docusaurus: number prefixes order files and folders and are
stripped from ids and URLs, `_category_.json|yml` describes a folder, a folder's
`index.md`/`README.md`/same-named doc is its own page, and a lesson is known by
its doc id so that renumbering folders keeps learners' progress.
"""

import datetime
import hashlib
import json
import math
import multiprocessing
import os
import posixpath
import re
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import version
from pathlib import Path
from urllib.parse import unquote

import frontmatter
import yaml
from django.db import DatabaseError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from courses import rendering, search
from courses.models import Asset, Course, Lesson, Section, content_hash

MAX_MARKDOWN_BYTES = 2 * 1024 * 1024
MAX_IMAGE_BYTES = 10 * 1024 * 1024
LESSON_SUFFIXES = (".md", ".mdx")
IMAGE_TYPES = {
    ".avif": "image/avif",
    ".bmp": "image/bmp",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
CATEGORY_FILES = ("_category_.json", "_category_.yml", "_category_.yaml")
SECTION_PAGE_NAMES = ("index", "readme")
FRONTMATTER_FIELDS = {
    "title",
    "description",
    "sidebar_position",
    "sidebar_label",
    "id",
    "slug",
    "draft",
    "unlisted",
    "tags",
    "hide_title",
    "hide_table_of_contents",
    "pagination_prev",
    "pagination_next",
}
# Kept in Lesson.meta (no model field) but read back whenever the lesson is rendered.
TOC_FIELDS = ("toc_min_heading_level", "toc_max_heading_level")
CATEGORY_FIELDS = {"label", "position", "description", "collapsed"}

# Docusaurus' number prefix parser, including the date-like and version-like names it leaves alone.
NUMBER_PREFIX = re.compile(r"^(\d+)\s*[-_.]+\s*([^-_.\s].*)$")
NOT_A_NUMBER_PREFIX = re.compile(
    r"^(?:\d{2}|\d{4})[-_.]\d{2}(?:[-_.](?:\d{2}|\d{4}))?.*$|^\d+[-_.]\d+.*$"
)
ATX_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
SETEXT_H1_UNDERLINE = re.compile(r"^ {0,3}=+[ \t]*$")
# File names a body may refer to, found from their extension backwards (a pattern that
# starts at every character is ten times slower): a superset of the links and images
# the renderer resolves.
REFERENCE_END = re.compile(
    r"\.(?:mdx?|avif|bmp|gif|ico|jpe?g|png|svg|webp)(?![\w.-])", re.IGNORECASE
)
NAME_BACKWARDS = re.compile(r"[^\s/\\()\[\]<>\"'`|]*")
# Paths that reverse() would leave as they are, so that their URLs can be built directly.
PLAIN_PATH = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*")
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FRONTMATTER = frontmatter.YAMLHandler()
ESCAPES = object()


class ContentError(Exception):
    """A course that cannot be imported. `errors` holds one line per problem, each
    naming the file (and line)."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


class _Invalid(Exception):
    def __init__(self, message, line=None):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class AssetSource:
    path: str
    content_type: str
    digest: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class SectionSource:
    path: str
    source_path: str
    parent_path: str | None
    slug: str
    title: str
    description: str
    position: float | None
    collapsed: bool
    meta: dict

    @property
    def depth(self):
        return self.path.count("/")


@dataclass(frozen=True)
class LessonSource:
    source_path: str
    doc_id: str
    path: str
    section_path: str | None
    title: str
    sidebar_label: str
    description: str
    position: float | None
    draft: bool
    unlisted: bool
    hide_title: bool
    hide_table_of_contents: bool
    tags: tuple
    pagination_prev: str | None
    pagination_next: str | None
    meta: dict
    body: str = field(repr=False)
    first_line: int
    file_hash: str


@dataclass(frozen=True)
class CourseSource:
    slug: str
    title: str
    description: str
    position: float | None
    source_dir: str
    meta: dict
    sections: tuple
    lessons: tuple
    assets: tuple
    warnings: tuple


@dataclass
class CourseReport:
    course: str
    source_dir: str
    dry_run: bool = False
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    archived: list = field(default_factory=list)
    restored: list = field(default_factory=list)
    pruned: list = field(default_factory=list)
    kept_admin_edits: list = field(default_factory=list)
    broken_links: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def summary(self):
        counts = [
            f"{len(self.created)} created",
            f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.archived)} archived",
        ]
        if self.restored:
            counts.append(f"{len(self.restored)} restored")
        if self.pruned:
            counts.append(f"{len(self.pruned)} pruned")
        if self.kept_admin_edits:
            counts.append(f"{len(self.kept_admin_edits)} kept admin edits")
        counts.append(f"{len(self.broken_links)} broken links")
        prefix = "(dry run) " if self.dry_run else ""
        return f"{prefix}{self.course}: " + ", ".join(counts)


# Names, ids and order ------------------------------------------------------------------------


def split_number_prefix(name):
    """`"01-intro"` -> `(1, "intro")`; names without a prefix, and date- or version-like
    names such as `2024-01-05-notes` or `1.2-release`, come back whole with `None`."""
    if NOT_A_NUMBER_PREFIX.match(name):
        return None, name
    match = NUMBER_PREFIX.match(name)
    if match is None:
        return None, name
    return int(match[1]), match[2]


def strip_number_prefixes(path):
    return "/".join(split_number_prefix(part)[1] for part in path.split("/") if part)


def _suffix(file_name):
    return posixpath.splitext(file_name)[1].lower()


def _stem(file_name):
    return posixpath.splitext(file_name)[0]


def _is_section_page_name(file_name, folder_name):
    stem = _stem(file_name).lower()
    if stem in SECTION_PAGE_NAMES:
        return True
    if not folder_name:
        return False
    folder_name = folder_name.lower()
    return (
        stem == folder_name or split_number_prefix(stem)[1] == split_number_prefix(folder_name)[1]
    )


def _section_page_name(file_names, folder_name):
    """The file that is its folder's own page: index, README, or a doc named like the folder."""
    by_stem = {_stem(name).lower(): name for name in sorted(file_names, reverse=True)}
    for wanted in SECTION_PAGE_NAMES:
        if wanted in by_stem:
            return by_stem[wanted]
    if folder_name:
        for name in sorted(file_names):
            if _is_section_page_name(name, folder_name):
                return name
    return None


def _sort_key(position, name):
    """Docusaurus order: position (explicit, else the number prefix) first, then the name."""
    if position is None:
        position = split_number_prefix(_stem(name))[0]
    return (position is None, position or 0, name)


def _section_sort_key(section):
    name = posixpath.basename(section.source_path or section.path)
    return (1, *_sort_key(section.position, name))


def _lesson_sort_key(lesson):
    name = posixpath.basename(lesson.source_path or lesson.doc_id)
    section = lesson.section
    folder = posixpath.basename(section.source_path or section.path) if section else ""
    first = 0 if lesson.source_path and _is_section_page_name(name, folder) else 1
    return (first, *_sort_key(lesson.position, name))


def reading_order(sections, lessons):
    """Sections in outline order (with depth) and lessons in reading order.

    Works on Section and Lesson instances whose `parent` and `section` are set (saved or
    not). Inside each folder its own page comes first, then its lessons and subsections
    interleaved as Docusaurus sorts a sidebar: by position, then by file or folder name.
    """
    children = defaultdict(list)
    for section in sections:
        children[id(section.parent) if section.parent else None].append(section)
    for lesson in lessons:
        children[id(lesson.section) if lesson.section else None].append(lesson)

    ordered_sections, ordered_lessons, visited = [], [], set()

    def key(item):
        return _section_sort_key(item) if isinstance(item, Section) else _lesson_sort_key(item)

    def visit(parent, depth):
        for item in sorted(children[parent], key=key):
            if isinstance(item, Section):
                if id(item) in visited:
                    continue
                visited.add(id(item))
                ordered_sections.append((item, depth))
                visit(id(item), depth + 1)
            else:
                ordered_lessons.append(item)

    visit(None, 0)
    for section in sections:  # a parent cycle made in the admin: still give every row a place
        if id(section) not in visited:
            visited.add(id(section))
            ordered_sections.append((section, 0))
            visit(id(section), 1)
    return ordered_sections, ordered_lessons


def _assign_reading_order(sections, lessons):
    """Set order/depth on the instances; return those whose values changed."""
    changed_sections, changed_lessons = [], []
    ordered_sections, ordered_lessons = reading_order(sections, lessons)
    for order, (section, depth) in enumerate(ordered_sections):
        if (section.order, section.depth) != (order, depth):
            section.order, section.depth = order, depth
            changed_sections.append(section)
    for order, lesson in enumerate(ordered_lessons):
        if lesson.order != order:
            lesson.order = order
            changed_lessons.append(lesson)
    return changed_sections, changed_lessons


def split_leading_title(body):
    """The body's leading `# Title` (or setext title) and the body with that heading blanked
    out, line numbers kept. Docusaurus shows that heading as the page title, so it is
    not rendered a second time in the body."""
    lines = body.split("\n", 64)
    for number, line in enumerate(lines[:-1] if len(lines) > 64 else lines):
        if not line.strip():
            continue
        match = ATX_H1.match(line)
        if match:
            lines[number] = ""
            return _plain_text(match[1]), "\n".join(lines)
        if number + 1 < len(lines) and SETEXT_H1_UNDERLINE.match(lines[number + 1]):
            lines[number] = lines[number + 1] = ""
            return _plain_text(line.strip()), "\n".join(lines)
        break
    return None, body


def _plain_text(markdown_text):
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown_text)
    return re.sub(r"(\*\*|__|\*|`)", "", text).strip()


# Reading a course folder (no ORM) ---------------------------------------------------------------


def is_course_folder(path):
    """A course folder holds lessons (.md/.mdx) or a _category_ file directly; any other
    folder is a folder of courses, one per subfolder."""
    path = Path(path)
    return any(
        child.name in CATEGORY_FILES
        or (child.suffix.lower() in LESSON_SUFFIXES and not child.name.startswith(("_", ".")))
        for child in path.iterdir()
    )


def find_course_folders(paths):
    folders = []
    for path in map(Path, paths):
        if not path.is_dir():
            raise ContentError([f"{path}: no such folder"])
        if is_course_folder(path):
            folders.append(path)
        else:
            folders.extend(
                child
                for child in sorted(path.iterdir())
                if child.is_dir() and not child.name.startswith((".", "_"))
            )
    return folders


def course_slug(folder_name):
    return slugify(split_number_prefix(folder_name)[1])


def read_course(path):
    """Read and validate one course folder into a CourseSource; raise ContentError."""
    return _CourseReader(Path(path)).read()


def read_lesson_file(course_dir, source_path):
    """Read one lesson file of a course, as the import would; raise ContentError."""
    reader = _CourseReader(Path(course_dir))
    path = reader.root / source_path
    if not path.resolve().is_relative_to(reader.root):
        raise ContentError([f"{reader.where(source_path)}: leads out of the course folder"])
    folder_rel = posixpath.dirname(source_path)
    names = [name for name in os.listdir(path.parent) if _suffix(name) in LESSON_SUFFIXES]
    is_page = _section_page_name(names, posixpath.basename(folder_rel)) == path.name
    lesson = reader.read_lesson(path, source_path, folder_rel, is_page)
    if reader.errors or lesson is None:
        raise ContentError(reader.errors or [f"{reader.where(source_path)}: could not be read"])
    return lesson


class _CourseReader:
    def __init__(self, root):
        self.label = root.name
        self.root = root.resolve()
        self.errors = []
        self.warnings = []
        self.lessons = []
        self.sections = []
        self.assets = []
        self.seen_folders = set()

    def where(self, rel, line=None):
        return f"{self.label}/{rel}" + (f":{line}" if line else "")

    def error(self, rel, message, line=None):
        self.errors.append(f"{self.where(rel, line)}: {message}")

    def read(self):
        if not self.root.is_dir():
            raise ContentError([f"{self.label}: no such folder"])
        slug = course_slug(self.label)
        if not slug:
            self.error("", "the folder name gives no URL slug; use letters or digits")
        category = self.read_folder(self.root, "")
        if not self.lessons and not self.errors:
            self.error("", "holds no .md or .mdx lessons")
        self.check_unique()
        if self.errors:
            raise ContentError(self.errors)
        return CourseSource(
            slug=slug,
            title=category.get("label") or split_number_prefix(self.label)[1],
            description=_category_description(category),
            position=category.get("position"),
            source_dir=str(self.root),
            meta=_json_safe({k: v for k, v in category.items() if k not in CATEGORY_FIELDS}),
            sections=tuple(sorted(self.sections, key=lambda s: s.depth)),
            lessons=tuple(self.lessons),
            assets=tuple(self.assets),
            warnings=tuple(self.warnings),
        )

    def entries(self, folder, rel):
        """The folder's entries worth reading, with symlinks checked."""
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            name = entry.name
            if name.startswith(".") or (name.startswith("_") and name not in CATEGORY_FILES):
                continue  # Docusaurus ignores these (partials, hidden files)
            entry_rel = f"{rel}/{name}" if rel else name
            if entry.is_symlink():
                target = Path(entry.path).resolve()
                if not target.is_relative_to(self.root):
                    self.error(entry_rel, "is a symlink that leads out of the course folder")
                    continue
                if not target.exists():
                    self.error(entry_rel, "is a broken symlink")
                    continue
            yield name, entry_rel, entry

    def read_folder(self, folder, rel):
        """Read a folder and everything below it; return its _category_ settings."""
        real = folder.resolve()
        if real in self.seen_folders:
            self.error(rel, "is a symlink loop")
            return {}
        self.seen_folders.add(real)
        entries = list(self.entries(folder, rel))
        names = {name for name, _, _ in entries}
        category = self.read_category(folder, rel, names)
        lesson_names = [name for name in names if _suffix(name) in LESSON_SUFFIXES]
        page = _section_page_name(lesson_names, folder.name if rel else "")
        first_lesson = len(self.lessons)
        for name, entry_rel, entry in entries:
            suffix = _suffix(name)
            if entry.is_dir():
                self.read_folder(Path(entry.path), entry_rel)
            elif suffix in LESSON_SUFFIXES:
                lesson = self.read_lesson(entry.path, entry_rel, rel, name == page)
                if lesson is not None:
                    self.lessons.append(lesson)
            elif suffix in IMAGE_TYPES:
                self.read_image(Path(entry.path), entry_rel)
        if rel and len(self.lessons) > first_lesson:
            page_lesson = next(
                (x for x in self.lessons[first_lesson:] if x.source_path == f"{rel}/{page}"), None
            )
            self.sections.append(self.make_section(rel, category, page_lesson))
        return category

    def make_section(self, rel, category, page_lesson):
        path = strip_number_prefixes(rel)
        name = path.rsplit("/", 1)[-1]
        title = category.get("label") or (
            (page_lesson.sidebar_label or page_lesson.title) if page_lesson else name
        )
        position = category.get("position")
        if position is None and page_lesson is not None:
            position = page_lesson.position
        for label, value, limit in (("label", title, 300), ("folder path", path, 500)):
            if len(value) > limit:
                self.error(rel, f"{label} is longer than {limit} characters")
        return SectionSource(
            path=path,
            source_path=rel,
            parent_path=posixpath.dirname(path) or None,
            slug=(slugify(name, allow_unicode=True) or "section")[:200],
            title=title,
            description=_category_description(category),
            position=position,
            collapsed=category.get("collapsed", True),
            meta=_json_safe({k: v for k, v in category.items() if k not in CATEGORY_FIELDS}),
        )

    def read_text(self, path, rel, limit):
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size > limit:
                self.error(rel, f"is {size / 2**20:.1f} MB; the limit is {limit // 2**20} MB")
                return None
            data = file.read()
        if b"\x00" in data:
            self.error(rel, "is a binary file, not UTF-8 text")
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            self.error(rel, f"is not valid UTF-8 (byte {data[error.start]:#04x})", line)
            return None
        return data, text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")

    def read_category(self, folder, rel, names):
        found = [name for name in CATEGORY_FILES if name in names]
        if not found:
            return {}
        if len(found) > 1:
            self.warnings.append(
                f"{self.where(posixpath.join(rel, found[0]))}: used, "
                f"{', '.join(found[1:])} ignored"
            )
        file_rel = posixpath.join(rel, found[0])
        read = self.read_text(folder / found[0], file_rel, MAX_MARKDOWN_BYTES)
        if read is None:
            return {}
        try:
            data = _load_category(read[1], found[0].endswith(".json"))
            return _validate_category(data)
        except _Invalid as problem:
            self.error(file_rel, problem.message, problem.line)
            return {}

    def read_image(self, path, rel):
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            limit = MAX_IMAGE_BYTES // 1024 // 1024
            self.error(rel, f"is {size / 1024 / 1024:.1f} MB; the limit for images is {limit} MB")
            return
        if len(rel) > 500:
            self.error(rel, "path is longer than 500 characters")
            return
        data = path.read_bytes()
        self.assets.append(
            AssetSource(
                path=rel,
                content_type=IMAGE_TYPES[path.suffix.lower()],
                digest=hashlib.sha256(data).hexdigest(),
                data=data,
            )
        )

    def read_lesson(self, path, rel, folder_rel, is_section_page):
        read = self.read_text(path, rel, MAX_MARKDOWN_BYTES)
        if read is None:
            return None
        data, text = read
        try:
            yaml_text, yaml_line, body, first_line = split_frontmatter(text)
            values = _load_yaml(yaml_text, yaml_line) if yaml_text is not None else None
        except _Invalid as problem:
            self.error(rel, problem.message, problem.line)
            return None
        if values is None:
            values = {}
        if not isinstance(values, dict):
            self.error(rel, "frontmatter must be a mapping of field: value", yaml_line)
            return None
        fields = _Frontmatter(values, yaml_text or "", yaml_line)
        file_hash = hashlib.sha256(data).hexdigest()
        lesson = self.lesson_fields(fields, rel, folder_rel, is_section_page, body)
        for message, line in fields.problems:
            self.error(rel, message, line)
        if fields.problems:
            return None
        return LessonSource(**lesson, first_line=first_line, file_hash=file_hash)

    def lesson_fields(self, fields, rel, folder_rel, is_section_page, body):
        """The lesson's fields from its frontmatter, file name and folder."""
        folder_id = strip_number_prefixes(folder_rel)
        base_id = fields.text("id") or split_number_prefix(_stem(posixpath.basename(rel)))[1]
        if "/" in base_id:
            fields.problem("id", "frontmatter `id` cannot contain /")
        doc_id = f"{folder_id}/{base_id}" if folder_id else base_id
        slug = fields.text("slug")
        if slug:
            path = _resolve_slug(slug, folder_id)
            if not path:
                fields.problem("slug", f"slug {slug!r} leaves no URL path inside the course")
        elif is_section_page and folder_id:
            path = folder_id
        else:
            path = doc_id
        heading, _ = split_leading_title(body)
        title = fields.text("title") or heading or base_id
        toc_min, toc_max = fields.toc_levels()
        meta = {k: v for k, v in fields.values.items() if k not in FRONTMATTER_FIELDS}
        if (toc_min, toc_max) == (2, 3):
            meta = {k: v for k, v in meta.items() if k not in TOC_FIELDS}
        else:
            meta.update(toc_min_heading_level=toc_min, toc_max_heading_level=toc_max)
        lesson = dict(
            source_path=rel,
            doc_id=doc_id,
            path=path or "",
            section_path=folder_id or None,
            title=title,
            sidebar_label=fields.text("sidebar_label"),
            description=fields.text("description"),
            position=fields.number("sidebar_position"),
            draft=fields.flag("draft"),
            unlisted=fields.flag("unlisted"),
            hide_title=fields.flag("hide_title"),
            hide_table_of_contents=fields.flag("hide_table_of_contents"),
            tags=fields.tags(),
            pagination_prev=fields.pagination("pagination_prev"),
            pagination_next=fields.pagination("pagination_next"),
            meta=_json_safe(meta),
            body=body,
        )
        for name, value, limit in (
            ("title", title, 300),
            ("sidebar_label", lesson["sidebar_label"], 300),
            ("doc id", doc_id, 500),
            ("URL path", lesson["path"], 500),
            ("file path", rel, 500),
        ):
            if len(value) > limit:
                fields.problem(None, f"{name} is longer than {limit} characters")
        return lesson

    def check_unique(self):
        for attribute, label in (("doc_id", "doc id"), ("path", "URL path")):
            seen = {}
            for lesson in self.lessons:
                value = getattr(lesson, attribute)
                if value in seen:
                    self.error(
                        lesson.source_path,
                        f"{label} {value!r} is also the {label} of {self.where(seen[value])}",
                    )
                else:
                    seen[value] = lesson.source_path
        seen = {}
        for section in self.sections:
            if section.path in seen:
                self.error(
                    section.source_path,
                    f"folder path {section.path!r} is also the path of "
                    f"{self.where(seen[section.path])}",
                )
            seen[section.path] = section.source_path
        doc_ids = {lesson.doc_id for lesson in self.lessons}
        for lesson in self.lessons:
            for name in ("pagination_prev", "pagination_next"):
                target = getattr(lesson, name)
                if target and target not in doc_ids:
                    self.warnings.append(
                        f"{self.where(lesson.source_path)}: {name} {target!r} names no doc id"
                    )


def split_frontmatter(text):
    """(YAML text or None, its first line, body, the body's first line), as python-frontmatter
    splits them, with line numbers kept so that problems can name file lines."""
    start = FRONTMATTER.FM_BOUNDARY.match(text)
    if start is None:
        yaml_text, yaml_line, body = None, 0, text
    else:
        try:
            yaml_text, body = FRONTMATTER.split(text)
        except ValueError:
            raise _Invalid("frontmatter starts with --- but never ends with ---", 1) from None
        yaml_line = text[: start.end()].count("\n") + 1
    stripped = body.lstrip("\n")
    first_line = text[: len(text) - len(stripped)].count("\n") + 1
    return yaml_text, yaml_line, stripped, first_line


def _load_yaml(text, first_line):
    """Safe YAML without aliases: an alias bomb (a billion laughs) cannot expand."""
    try:
        if "*" in text:
            for event in yaml.parse(text, Loader=YAML_LOADER):
                if isinstance(event, yaml.AliasEvent):
                    raise _Invalid(
                        "YAML aliases (*name) are not allowed",
                        first_line + event.start_mark.line,
                    )
        return yaml.load(text, Loader=YAML_LOADER)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "unreadable"
        raise _Invalid(
            f"invalid YAML: {problem}", first_line + mark.line if mark else None
        ) from None
    except (yaml.YAMLError, RecursionError):
        raise _Invalid("invalid YAML", first_line) from None


def _load_category(text, is_json):
    if is_json:
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise _Invalid(f"invalid JSON: {error.msg}", error.lineno) from None
    return _load_yaml(text, 1)


def _validate_category(data):
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _Invalid("must be a mapping of field: value")
    checks = (
        ("label", str, "text"),
        ("description", str, "text"),
        ("collapsed", bool, "true or false"),
        ("link", (dict, type(None)), "a mapping"),
    )
    for name, kind, words in checks:
        if name in data and not isinstance(data[name], kind):
            raise _Invalid(f"`{name}` must be {words}, not {data[name]!r}")
    if "position" in data and not _is_number(data["position"]):
        raise _Invalid(f"`position` must be a number, not {data['position']!r}")
    for name, limit in (("label", 300),):
        if len(data.get(name) or "") > limit:
            raise _Invalid(f"`{name}` is longer than {limit} characters")
    return {k: _clean(v) if isinstance(v, str) else v for k, v in data.items()}


def _category_description(category):
    link = category.get("link") or {}
    description = category.get("description") or link.get("description") or ""
    return _clean(str(description))


def _resolve_slug(slug, folder_id):
    """A slug is a URL relative to the doc's folder, or to the course with a leading /;
    like any URL it cannot climb above the root."""
    joined = slug if slug.startswith("/") else posixpath.join("/", folder_id, slug)
    return posixpath.normpath(joined).strip("/")


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _clean(text):
    """PostgreSQL text cannot hold NUL characters; YAML can spell them (\\0)."""
    return text.replace("\x00", "")


def _json_safe(value):
    """Frontmatter as JSON: dates to ISO strings, sets to lists, odd values to text."""
    if isinstance(value, dict):
        return {_clean(str(k)): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, set):
        return sorted((_json_safe(v) for v in value), key=str)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return _clean(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes):
        return _clean(value.decode("utf-8", "replace"))
    return _clean(str(value))


class _Frontmatter:
    """Typed access to frontmatter values; wrong types become problems with their line."""

    def __init__(self, values, yaml_text, yaml_line):
        self.values = {str(k): v for k, v in values.items()}
        self.yaml_text = yaml_text
        self.yaml_line = yaml_line
        self.problems = []

    def line_of(self, name):
        match = re.search(rf"^{re.escape(name)}\s*:", self.yaml_text, re.MULTILINE)
        if match is None:
            return self.yaml_line or None
        return self.yaml_line + self.yaml_text[: match.start()].count("\n")

    def problem(self, name, message):
        self.problems.append((message, self.line_of(name) if name else self.yaml_line or None))

    def wrong(self, name, words):
        self.problem(name, f"frontmatter `{name}` must be {words}, not {self.values[name]!r}")

    def text(self, name):
        value = self.values.get(name)
        if value is None:
            return ""
        if isinstance(value, str | int | float | datetime.date) and not isinstance(value, bool):
            return _clean(str(value)).strip()
        self.wrong(name, "text")
        return ""

    def number(self, name):
        value = self.values.get(name)
        if value is None:
            return None
        if _is_number(value):
            return float(value)
        self.wrong(name, "a number")
        return None

    def flag(self, name):
        value = self.values.get(name, False)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        self.wrong(name, "true or false")
        return False

    def tags(self):
        value = self.values.get("tags")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.wrong("tags", "a list")
            return ()
        tags = []
        for tag in value:
            if isinstance(tag, dict) and isinstance(tag.get("label"), str):
                tag = tag["label"]
            if not isinstance(tag, str | int | float) or isinstance(tag, bool):
                self.wrong("tags", "a list of names")
                return ()
            tags.append(_clean(str(tag)))
        return tuple(tags)

    def pagination(self, name):
        if name not in self.values:
            return ""
        value = self.values[name]
        if value is None:
            return None
        if isinstance(value, str):
            return _clean(value)
        self.wrong(name, "a doc id or null")
        return ""

    def toc_levels(self):
        levels = []
        for name, default in zip(TOC_FIELDS, (2, 3), strict=True):
            value = self.values.get(name, default)
            if not isinstance(value, int) or isinstance(value, bool) or not 2 <= value <= 6:
                self.wrong(name, "a heading level from 2 to 6")
                value = default
            levels.append(value)
        if levels[0] > levels[1]:
            self.problem(TOC_FIELDS[0], "toc_min_heading_level is above toc_max_heading_level")
            levels = [2, 3]
        return levels


# Links and rendering --------------------------------------------------------------------------


def lesson_url(course_slug, path):
    """Lesson.get_absolute_url() without a Lesson; plain paths skip reverse() (1,000 of
    them cost more than the rest of an unchanged re-import)."""
    if PLAIN_PATH.fullmatch(path):
        return f"{_lesson_url_prefix(course_slug)}{path}/"
    return reverse("courses:lesson", args=[course_slug, path])


@cache
def _lesson_url_prefix(course_slug):
    return reverse("courses:lesson", args=[course_slug, "x"]).removesuffix("x/")


def asset_url(course_slug, path, digest):
    return reverse("courses:asset", args=[course_slug, digest[:16], posixpath.basename(path)])


def _token(file_name):
    words = file_name.split()
    return words[-1] if words else file_name


class LinkMap:
    """Where each lesson file and image of a course is served.

    A relative link names a file as on disk (`../05-x/y.md`); the same path without
    number prefixes (`../x/y.md`) or by doc id is accepted too, which lets lessons
    created in the admin (placed by their doc id) link to files.
    """

    def __init__(self, course_slug):
        self.course_slug = course_slug
        self.lessons = {}
        self.images = {}
        self.by_token = defaultdict(set)

    @classmethod
    def from_source(cls, source, kept_paths):
        """`kept_paths` maps the doc ids of lessons the import leaves alone (admin edits) to
        the path they have in the database, which may differ from their file's."""
        links = cls(source.slug)
        for lesson in source.lessons:
            path = kept_paths.get(lesson.doc_id, lesson.path)
            links.add_lesson(lesson.source_path, lesson.doc_id, path)
        for asset in source.assets:
            links.add_image(asset.path, asset.digest)
        return links

    @classmethod
    def from_database(cls, course):
        links = cls(course.slug)
        lessons = Lesson.objects.filter(course=course, archived=False)
        for source_path, doc_id, path in lessons.values_list("source_path", "doc_id", "path"):
            links.add_lesson(source_path, doc_id, path)
        for path, digest in Asset.objects.filter(course=course).values_list("path", "digest"):
            links.add_image(path, digest)
        return links

    def add_lesson(self, source_path, doc_id, path):
        url = lesson_url(self.course_slug, path)
        keys = [doc_id + suffix for suffix in LESSON_SUFFIXES]
        if source_path:
            keys[:0] = [source_path, strip_number_prefixes(source_path)]
        for key in keys:
            self.lessons.setdefault(key, url)
            self.by_token[_token(posixpath.basename(key))].add((key, url))

    def add_image(self, path, digest):
        url = asset_url(self.course_slug, path, digest)
        for key in (path, strip_number_prefixes(path)):
            self.images.setdefault(key, url)
            self.by_token[_token(posixpath.basename(key))].add((key, url))

    def dependencies(self, body):
        """Every (file, URL) this body could link to: when one changes, re-render the body."""
        found = set()
        for end in REFERENCE_END.finditer(body):
            before = body[max(0, end.start() - 255) : end.start()][::-1]
            reference = unquote(NAME_BACKWARDS.match(before)[0][::-1] + end[0])
            found |= self.by_token.get(_token(reference), set())
        return sorted(found)

    @staticmethod
    def course_path(base_dir, target):
        """The course-relative path a link names, or ESCAPES when it leaves the course."""
        target = unquote(target.split("?", 1)[0])
        joined = target.lstrip("/") if target.startswith("/") else posixpath.join(base_dir, target)
        path = posixpath.normpath(joined)
        if path == ".." or path.startswith("../"):
            return ESCAPES
        return path

    def resolve(self, table, base_dir, target):
        path = self.course_path(base_dir, target)
        if path is ESCAPES:
            return ESCAPES
        return table.get(path) or table.get(strip_number_prefixes(path))


class _Resolver:
    """The renderer's callbacks for one body; remembers links that leave the course."""

    def __init__(self, links, base_dir):
        self.links = links
        self.base_dir = base_dir
        self.escaping = []

    def _resolve(self, table, target):
        url = self.links.resolve(table, self.base_dir, target)
        if url is ESCAPES:
            self.escaping.append(target)
            return None
        return url

    def link(self, target):
        return self._resolve(self.links.lessons, target)

    def image(self, src):
        return self._resolve(self.links.images, src)


def _line_of(text, needle, first_line):
    position = text.find(needle)
    return first_line + text[:position].count("\n") if position >= 0 else None


def _toc_levels(meta):
    return (
        meta.get("toc_min_heading_level", 2),
        meta.get("toc_max_heading_level", 3),
    )


def render_body(body, *, base_dir, links, first_line=1, toc_levels=(2, 3)):
    """Render a lesson body (its leading title left out) with links resolved through
    `links`. Returns the Rendered and the link targets that leave the course."""
    _, text = split_leading_title(body)
    resolver = _Resolver(links, base_dir)
    rendered = rendering.render_markdown(
        text,
        resolve_link=resolver.link,
        resolve_image=resolver.image,
        first_line=first_line,
        toc_min_level=toc_levels[0],
        toc_max_level=toc_levels[1],
    )
    escaping = [(target, _line_of(text, target, first_line)) for target in resolver.escaping]
    return rendered, escaping


@cache
def _recipe():
    """What else decides the stored HTML and text: this code, the renderer's, the search's
    reader text, and their libraries."""
    digest = hashlib.sha256()
    for module_file in (__file__, rendering.__file__, search.__file__):
        digest.update(Path(module_file).read_bytes())
    for package in ("markdown", "pymdown-extensions", "pygments", "nh3"):
        digest.update(version(package).encode())
    return digest.hexdigest()


def render_key(lesson, links):
    """The lesson's source_hash: its file, its place in the course, its URL and every link
    target it may name. Every field the import writes follows from these, so an unchanged
    key means the row needs neither rendering nor rewriting."""
    parts = [_recipe(), lesson.file_hash, lesson.source_path, lesson.path, links.course_slug]
    parts.append(lesson.section_path or "")
    parts.append(json.dumps(links.dependencies(lesson.body)))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@dataclass
class _Render:
    key: str
    html: str
    toc: list
    text: str
    broken_links: list
    warnings: list
    errors: list


def _render_source(lesson, links, key, where):
    rendered, escaping = render_body(
        lesson.body,
        base_dir=posixpath.dirname(lesson.source_path),
        links=links,
        first_line=lesson.first_line,
        toc_levels=_toc_levels(lesson.meta),
    )
    text = search.reader_text(lesson.body)
    result = _Render(key, rendered.html, list(rendered.toc), text, [], [], [])
    escaped = {target for target, _ in escaping}
    for problem in rendered.problems:
        line = f"{where}:{problem.line}" if problem.line else where
        if problem.kind == "broken_link":
            if not any(target in problem.message for target in escaped):
                result.broken_links.append(f"{line} -> {_problem_target(problem.message)}")
        else:
            result.warnings.append(f"{line}: {problem.message}")
    for target, number in escaping:
        line = f"{where}:{number}" if number else where
        result.errors.append(f"{line}: link or image {target!r} leads out of the course folder")
    return result


# From this many lessons to render, rendering is spread over worker processes (on Linux, where
# they fork), each taking chunks of this many lessons at a time.
PARALLEL_RENDER_FROM = 64
PARALLEL_RENDER_CHUNK = 16


def _render_all(jobs, links):
    """The _Render of each (lesson, render key, where) job, in order. Rendering is most of
    an import's time, so a large batch is shared out to one worker process per CPU core."""
    workers = _render_workers(len(jobs))
    if workers < 2:
        for lesson, key, where in jobs:
            yield _render_source(lesson, links, key, where)
        return
    # Forked workers start with every module already imported, so they cost milliseconds.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_set_worker_links, initargs=(links,)
    ) as pool:
        yield from pool.map(_render_job, jobs, chunksize=PARALLEL_RENDER_CHUNK)


def _render_workers(lesson_count):
    if lesson_count < PARALLEL_RENDER_FROM or not sys.platform.startswith("linux"):
        return 1
    return min(len(os.sched_getaffinity(0)), lesson_count // PARALLEL_RENDER_CHUNK)


_worker_links = None


def _set_worker_links(links):
    global _worker_links  # one course's links, kept by each worker process
    _worker_links = links


def _render_job(job):
    lesson, key, where = job
    return _render_source(lesson, _worker_links, key, where)


def _problem_target(message):
    """The renderer says "broken link: <target>"; the report shows just the target."""
    return message.split(": ", 1)[-1]


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
        _attach(course, sections, lessons)
        return cls(
            course,
            {s.path: s for s in sections},
            {lesson.doc_id: lesson for lesson in lessons},
            {a.path: a for a in assets},
        )


def _attach(course, sections, lessons):
    """Point loaded rows at each other in memory, so walking the outline costs no queries."""
    by_id = {section.pk: section for section in sections}
    for section in sections:
        section.course = course
        section.parent = by_id.get(section.parent_id)
    for lesson in lessons:
        lesson.course = course
        lesson.section = by_id.get(lesson.section_id)


def _lesson_values(lesson):
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


def _render_values(lesson, render, now):
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
            changed = _set_changed(row, values) or row.parent is not parent
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
                _set_changed(
                    row, {**_lesson_values(source), **_render_values(source, render, self.now)}
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
                    for name, value in _lesson_values(source).items():
                        setattr(row, name, value)
                    for name, value in _render_values(source, render, self.now).items():
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
        self.course_changed = _set_changed(self.course, values) or self.course_changed

    def plan_order(self):
        changed_sections, changed_lessons = _assign_reading_order(self.sections, self.lessons)
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


def _set_changed(obj, values):
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
        made = _render_all(jobs, links)
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


# For the admin --------------------------------------------------------------------------------


def render_lesson(lesson):
    """Render lesson.body_markdown (as edited in the admin) into lesson.body_html and
    lesson.toc, resolving relative links through the course's lessons in the database,
    from the lesson's file (or, for a lesson made in the admin, its doc id). The caller
    saves the lesson; the returned Rendered lists problems to show the editor."""
    rendered, _ = render_body(
        lesson.body_markdown,
        base_dir=posixpath.dirname(lesson.source_path or lesson.doc_id),
        links=LinkMap.from_database(lesson.course),
        toc_levels=_toc_levels(lesson.meta or {}),
    )
    lesson.body_html = rendered.html
    lesson.toc = list(rendered.toc)
    return rendered


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
    render = _render_source(source, links, render_key(source, links), where)
    if render.errors:
        raise ContentError(render.errors)
    _set_changed(
        lesson, {**_lesson_values(source), **_render_values(source, render, timezone.now())}
    )
    with transaction.atomic():
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
    _attach(course, sections, lessons)
    changed_sections, changed_lessons = _assign_reading_order(sections, lessons)
    if changed_sections or changed_lessons:
        with transaction.atomic():
            Section.objects.bulk_update(changed_sections, ["order", "depth"])
            Lesson.objects.bulk_update(changed_lessons, ["order"], batch_size=BATCH_SIZE)
            Course.objects.filter(pk=course.pk).update(content_version=F("content_version") + 1)
    return len(changed_sections) + len(changed_lessons)
