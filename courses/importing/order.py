"""Docusaurus names and order: number prefixes, a folder's own page, and the reading order
of a course's sections and lessons."""

import posixpath
import re
from collections import defaultdict

from courses.models import Section

SECTION_PAGE_NAMES = ("index", "readme")
# Docusaurus' number prefix parser, including the date-like and version-like names it leaves alone.
NUMBER_PREFIX = re.compile(r"^(\d+)\s*[-_.]+\s*([^-_.\s].*)$")
NOT_A_NUMBER_PREFIX = re.compile(
    r"^(?:\d{2}|\d{4})[-_.]\d{2}(?:[-_.](?:\d{2}|\d{4}))?.*$|^\d+[-_.]\d+.*$"
)


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


def file_suffix(file_name):
    return posixpath.splitext(file_name)[1].lower()


def file_stem(file_name):
    return posixpath.splitext(file_name)[0]


def is_section_page_name(file_name, folder_name):
    stem = file_stem(file_name).lower()
    if stem in SECTION_PAGE_NAMES:
        return True
    if not folder_name:
        return False
    folder_name = folder_name.lower()
    return (
        stem == folder_name or split_number_prefix(stem)[1] == split_number_prefix(folder_name)[1]
    )


def section_page_name(file_names, folder_name):
    """The file that is its folder's own page: index, README, or a doc named like the folder."""
    by_stem = {file_stem(name).lower(): name for name in sorted(file_names, reverse=True)}
    for wanted in SECTION_PAGE_NAMES:
        if wanted in by_stem:
            return by_stem[wanted]
    if folder_name:
        for name in sorted(file_names):
            if is_section_page_name(name, folder_name):
                return name
    return None


def _sort_key(position, name):
    """Docusaurus order: position (explicit, else the number prefix) first, then the name."""
    if position is None:
        position = split_number_prefix(file_stem(name))[0]
    return (position is None, position or 0, name)


def _section_sort_key(section):
    name = posixpath.basename(section.source_path or section.path)
    return (1, *_sort_key(section.position, name))


def _lesson_sort_key(lesson):
    name = posixpath.basename(lesson.source_path or lesson.doc_id)
    section = lesson.section
    folder = posixpath.basename(section.source_path or section.path) if section else ""
    first = 0 if lesson.source_path and is_section_page_name(name, folder) else 1
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


def assign_reading_order(sections, lessons):
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
