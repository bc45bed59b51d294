"""Reading a course folder into plain dataclasses (no ORM): every file read and validated,
every problem one line naming the file and line."""

import dataclasses
import hashlib
import os
import posixpath
import re
import stat
from pathlib import Path

from django.utils.text import slugify

from courses.importing.fields import (
    CATEGORY_FIELDS,
    FRONTMATTER_FIELDS,
    TOC_FIELDS,
    Frontmatter,
    Invalid,
    category_description,
    json_safe,
    load_category,
    load_yaml,
    resolve_slug,
    split_frontmatter,
    validate_category,
)
from courses.importing.linked_files import IMAGE_TYPES, MAX_IMAGE_BYTES
from courses.importing.links import links_in_body
from courses.importing.memo import Memo
from courses.importing.order import (
    file_stem,
    file_suffix,
    index_file_name,
    split_number_prefix,
    strip_number_prefixes,
)
from courses.importing.records import AssetSource, CourseSource, LessonSource, SectionSource
from courses.importing.report import ContentError
from courses.importing.sources import CATEGORY_FILES, LESSON_SUFFIXES, course_slug
from courses.rendering.mdx import ESM_START

MAX_MARKDOWN_BYTES = 2 * 1024 * 1024
# Docusaurus sites nest a few levels; a limit keeps a pathological tree to one clear line.
MAX_FOLDER_DEPTH = 32
ATX_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
SETEXT_H1_UNDERLINE = re.compile(r"^ {0,3}=+[ \t]*$")


def split_leading_title(body):
    """The body's leading `# Title` (or setext title) and the body with that heading blanked
    out, line numbers kept. Docusaurus shows that heading as the page title, so it is
    not rendered a second time in the body."""
    lines = body.split("\n", 64)
    in_esm = False  # MDX imports and exports above the title, which Docusaurus passes over
    for number, line in enumerate(lines[:-1] if len(lines) > 64 else lines):
        if in_esm or ESM_START.match(line):
            in_esm = bool(line.strip())  # as in the MDX pass, ESM runs to a blank line
            continue
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


def read_course(path, *, slug="", title="", memo=None):
    """Read and validate one course folder into a CourseSource; raise ContentError.
    `slug` and `title` name the course when its folder should not (a site's `docs`);
    `memo` (a memo.Memo) has what an earlier import read from its files."""
    return _CourseReader(Path(path), slug, title, memo).read()


def read_lesson_file(course_dir, source_path):
    """Read one lesson file of a course, as the import would; raise ContentError."""
    reader = _CourseReader(Path(course_dir))
    path = reader.root / source_path
    if not path.resolve().is_relative_to(reader.root):
        raise ContentError([f"{reader.where(source_path)}: leads out of the course folder"])
    folder_rel = posixpath.dirname(source_path)
    names = [name for name in os.listdir(path.parent) if file_suffix(name) in LESSON_SUFFIXES]
    is_index = index_file_name(names, posixpath.basename(folder_rel)) == path.name
    lesson = reader.read_lesson(path, source_path, folder_rel, is_index)
    if reader.errors or lesson is None:
        raise ContentError(reader.errors or [f"{reader.where(source_path)}: could not be read"])
    return lesson


class _CourseReader:
    def __init__(self, root, slug="", title="", memo=None):
        self.label = root.name
        self.slug = slug
        self.title = title
        self.root = root.resolve()
        self.errors = []
        self.warnings = []
        self.lessons = []
        self.sections = []
        self.assets = []
        self.seen_folders = set()
        self.memo = memo or Memo()

    def where(self, rel, line=None):
        return f"{self.label}/{rel}" + (f":{line}" if line else "")

    def error(self, rel, message, line=None):
        self.errors.append(f"{self.where(rel, line)}: {message}")

    def read(self):
        if not self.root.is_dir():
            raise ContentError([f"{self.label}: no such folder"])
        slug = self.slug or course_slug(self.label)
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
            title=category.get("label") or self.title or split_number_prefix(self.label)[1],
            description=category_description(category),
            position=category.get("position"),
            source_dir=str(self.root),
            meta=json_safe({k: v for k, v in category.items() if k not in CATEGORY_FIELDS}),
            sections=tuple(sorted(self.sections, key=lambda s: s.depth)),
            lessons=tuple(self.lessons),
            assets=tuple(self.assets),
            warnings=tuple(self.warnings),
            memo=self.memo,
        )

    def entries(self, folder, rel):
        """The folder's entries worth reading: folders and regular files, symlinks checked."""
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
            if not (entry.is_dir() or entry.is_file()):
                self.warnings.append(f"{self.where(entry_rel)}: not a regular file; skipped")
                continue
            yield name, entry_rel, entry

    def read_folder(self, folder, rel):
        """Read a folder and everything below it; return its _category_ settings."""
        if rel.count("/") >= MAX_FOLDER_DEPTH:
            self.error(rel, f"folders nest more than {MAX_FOLDER_DEPTH} deep here")
            return {}
        real = folder.resolve()
        if real in self.seen_folders:
            self.error(rel, "is a symlink loop")
            return {}
        self.seen_folders.add(real)
        entries = list(self.entries(folder, rel))
        names = {name for name, _, _ in entries}
        category = self.read_category(folder, rel, names)
        lesson_names = [name for name in names if file_suffix(name) in LESSON_SUFFIXES]
        index_name = index_file_name(lesson_names, folder.name if rel else "")
        first_lesson = len(self.lessons)
        for name, entry_rel, entry in entries:
            suffix = file_suffix(name)
            if entry.is_dir():
                self.read_folder(Path(entry.path), entry_rel)
            elif suffix in LESSON_SUFFIXES:
                lesson = self.read_lesson(entry.path, entry_rel, rel, name == index_name)
                if lesson is not None:
                    self.lessons.append(lesson)
            elif suffix in IMAGE_TYPES:
                self.read_image(Path(entry.path), entry_rel)
        if rel and len(self.lessons) > first_lesson:
            folder_lessons = self.lessons[first_lesson:]
            page = self.section_page(rel, category, index_name, folder_lessons)
            section = self.make_section(rel, category, page)
            if folder_lessons == [page] and not category:
                # As Docusaurus: a folder holding nothing but its own page is that page.
                values = {"section_path": section.parent_path, "position": section.position}
                self.lessons[first_lesson] = dataclasses.replace(page, **values)
            else:
                self.sections.append(section)
        return category

    def section_page(self, rel, category, index_name, folder_lessons):
        """The lesson shown as the folder's section, as Docusaurus picks it: the doc a
        `_category_` `link: {type: doc, id}` names (its id relative to the folder, or
        whole), else, unless `link` is set otherwise, the doc named as the folder's index."""
        link = category.get("link", "absent")
        if isinstance(link, dict) and link.get("type") == "doc":
            wanted = str(link.get("id", ""))
            folder_id = strip_number_prefixes(rel)
            for doc_id in (f"{folder_id}/{wanted}", wanted):
                page = next((x for x in self.lessons if x.doc_id == doc_id), None)
                if page is not None:
                    return page
            self.warnings.append(
                f"{self.where(rel)}: _category_ link names doc {wanted!r}, which is not there"
            )
            return None
        if link != "absent":
            return None
        return next((x for x in folder_lessons if x.source_path == f"{rel}/{index_name}"), None)

    def make_section(self, rel, category, page_lesson):
        """The folder's SectionSource; its page (if any) goes into `meta["page"]`."""
        path = strip_number_prefixes(rel)
        name = path.rsplit("/", 1)[-1]
        title = category.get("label") or (
            (page_lesson.sidebar_label or page_lesson.title) if page_lesson else name
        )
        position = category.get("position")
        if position is None and page_lesson is not None:
            # Docusaurus places a category by its page's position (number prefix included).
            name = file_stem(posixpath.basename(page_lesson.source_path))
            position = page_lesson.position or split_number_prefix(name)[0]
        for label, value, limit in (("label", title, 300), ("folder path", path, 500)):
            if len(value) > limit:
                self.error(rel, f"{label} is longer than {limit} characters")
        meta = json_safe({k: v for k, v in category.items() if k not in CATEGORY_FIELDS})
        meta["page"] = page_lesson.doc_id if page_lesson is not None else None
        return SectionSource(
            path=path,
            source_path=rel,
            parent_path=posixpath.dirname(path) or None,
            slug=(slugify(name, allow_unicode=True) or "section")[:200],
            title=title,
            description=category_description(category),
            position=position,
            collapsed=category.get("collapsed", True),
            meta=meta,
        )

    def read_text(self, path, rel, limit):
        # Non-blocking, so that a FIFO swapped in after the listing cannot stall the import.
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as file:
            status = os.fstat(file.fileno())
            if not stat.S_ISREG(status.st_mode):
                self.error(rel, "is not a regular file")
                return None
            size = status.st_size
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
            data = load_category(read[1], found[0].endswith(".json"))
            return validate_category(data)
        except Invalid as problem:
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

    def read_lesson(self, path, rel, folder_rel, is_index):
        read = self.read_text(path, rel, MAX_MARKDOWN_BYTES)
        if read is None:
            return None
        data, text = read
        file_hash = hashlib.sha256(data).hexdigest()
        lesson = self.memo.lesson(rel, file_hash, is_index, text)
        if lesson is None:
            lesson = self.parse_lesson(text, rel, folder_rel, is_index, file_hash)
            if lesson is not None:
                self.memo.remember(lesson, is_index, text)
        return lesson

    def parse_lesson(self, text, rel, folder_rel, is_index, file_hash):
        try:
            yaml_text, yaml_line, body, first_line = split_frontmatter(text)
            values = load_yaml(yaml_text, yaml_line) if yaml_text is not None else None
        except Invalid as problem:
            self.error(rel, problem.message, problem.line)
            return None
        if values is None:
            values = {}
        if not isinstance(values, dict):
            self.error(rel, "frontmatter must be a mapping of field: value", yaml_line)
            return None
        fields = Frontmatter(values, yaml_text or "", yaml_line)
        lesson = self.lesson_fields(fields, rel, folder_rel, is_index, body)
        for message, line in fields.problems:
            self.error(rel, message, line)
        if fields.problems:
            return None
        body_links = links_in_body(body)
        return LessonSource(
            **lesson, first_line=first_line, file_hash=file_hash, body_links=body_links
        )

    def lesson_fields(self, fields, rel, folder_rel, is_index, body):
        """The lesson's fields from its frontmatter, file name and folder."""
        folder_id = strip_number_prefixes(folder_rel)
        base_id = fields.text("id") or split_number_prefix(file_stem(posixpath.basename(rel)))[1]
        if "/" in base_id:
            fields.problem("id", "frontmatter `id` cannot contain /")
        doc_id = f"{folder_id}/{base_id}" if folder_id else base_id
        # As Docusaurus: a doc named as its folder's index is served at the folder's URL
        # (at the root, the course's own URL: path ""), and `slug: /` makes the front page.
        slug = fields.text("slug")
        if slug:
            path = resolve_slug(slug, folder_id)
        elif is_index:
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
            meta=json_safe(meta),
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
