"""A course's outline: its sections and lessons in reading order, built once per content
version and kept in the cache, so pages cost the same few queries whatever the course size."""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.db import connection

from courses.models import Course, Lesson, Section, lesson_url
from courses.outline_html import OutlineHTML


@dataclass(frozen=True)
class OutlineLesson:
    id: int
    doc_id: str
    path: str
    url: str
    title: str
    label: str
    section_id: int | None
    order: int
    content_hash: str
    listed: bool

    is_section = False
    is_link = False


@dataclass(frozen=True)
class OutlineLink:
    """An external link a site's sidebar puts in the outline."""

    label: str
    url: str
    order: float

    is_section = False
    is_link = True


@dataclass
class OutlineSection:
    id: int
    title: str
    description: str
    path: str
    depth: int
    parent_id: int | None
    page_doc_id: str | None = None
    # Lessons and nested sections, interleaved in reading order.
    entries: list = field(default_factory=list)
    # Every listed lesson in this section and the sections nested in it.
    lesson_ids: frozenset[int] = frozenset()
    first_order: int = 0
    index_url: str = ""

    is_section = True
    is_link = False


@dataclass
class Outline:
    course_id: int
    course_url: str
    # Top-level lessons and sections, interleaved in reading order.
    entries: list
    # Listed lessons in reading order.
    lessons: list[OutlineLesson]
    # Every lesson a learner may open, unlisted ones included.
    published: dict[int, OutlineLesson]
    sections_by_id: dict[int, OutlineSection]
    orders: list[int] = field(default_factory=list)
    # The lesson served at the course's own URL (Docusaurus `slug: /`), if any.
    front_page: OutlineLesson | None = None

    @property
    def total(self):
        return len(self.lessons)

    @cached_property
    def listed_ids(self):
        return frozenset(item.id for item in self.lessons)

    @cached_property
    def content_hashes(self):
        """{lesson id: the hash of its text}, for every lesson a learner may open."""
        return {item.id: item.content_hash for item in self.published.values()}

    @cached_property
    def by_path(self):
        """Every lesson a learner may open, by its URL in the course."""
        return {item.path: item for item in self.published.values()}

    @property
    def first(self):
        return self.lessons[0] if self.lessons else None

    def html(self, *, contents=False):
        """The outline's list markup with holes for a learner's progress, written on first use:
        the lesson page's sidebar, or with `contents` the course page's."""
        built = self.__dict__.setdefault("_html", {})
        if contents not in built:
            built[contents] = OutlineHTML(self, contents=contents)
        return built[contents]

    def lesson_by_doc_id(self, doc_id):
        return next((item for item in self.published.values() if item.doc_id == doc_id), None)

    def reading_previous(self, lesson):
        """The listed lesson just before `lesson` in reading order; `lesson` may be unlisted."""
        index = bisect_left(self.orders, lesson.order)
        return self.lessons[index - 1] if index > 0 else None

    def reading_next(self, lesson):
        index = bisect_right(self.orders, lesson.order)
        return self.lessons[index] if index < len(self.lessons) else None

    def previous_link(self, lesson):
        """The "Previous" link: reading order, hidden, or the lesson its frontmatter names."""
        return self._pagination(lesson.pagination_prev, self.reading_previous(lesson))

    def next_link(self, lesson):
        return self._pagination(lesson.pagination_next, self.reading_next(lesson))

    def section_chain(self, section_id):
        """The section and its parents, outermost first (for breadcrumbs and open details)."""
        chain = []
        section = self.sections_by_id.get(section_id)
        while section is not None:
            chain.append(section)
            section = self.sections_by_id.get(section.parent_id)
        return chain[::-1]

    def section_chain_ids(self, section_id):
        return {section.id for section in self.section_chain(section_id)}

    def lessons_from(self, lesson_id):
        """Listed lessons starting at `lesson_id` (or the next listed one after it), then
        wrapping round to the beginning: the order in which to look for unread lessons."""
        start_lesson = self.published.get(lesson_id)
        if start_lesson is None:
            return list(self.lessons)
        start = bisect_left(self.orders, start_lesson.order)
        return self.lessons[start:] + self.lessons[:start]

    def _pagination(self, setting, reading_order_lesson):
        if setting is None:
            return None
        if setting == "":
            return reading_order_lesson
        return self.lesson_by_doc_id(setting)


def outline_cache_key(course):
    # created_at guards against a course re-created under a reused id (test databases).
    return f"outline:{course.pk}:{course.content_version}:{course.created_at.timestamp()}"


# A new content version makes a new key, so old outlines are never read again: they expire
# rather than fill a shared cache (Redis) for good.
OUTLINE_CACHE_SECONDS = 24 * 60 * 60

# By slug: the outline each course had at its latest version seen by this process, with the
# course as read then. Unpickling a large outline from the cache on every request would cost
# more than the rest of the page.
_outlines = {}


def get_outline(course):
    """The course's outline: this process's copy, else the cache's, else built (two queries)."""
    key = outline_cache_key(course)
    known_key, outline, _ = _outlines.get(course.slug, (None, None, None))
    if known_key == key:
        return outline
    outline = cache.get(key)
    if outline is None:
        outline = build_outline(course)
        cache.set(key, outline, timeout=OUTLINE_CACHE_SECONDS)
    _outlines[course.slug] = (key, outline, course)
    return outline


def course_and_outline(course_slug):
    """The course with this slug and its outline, or None when there is none.

    Every reading page starts here. When this process keeps a version of the course, this
    costs one query, for the course's id and version: reading the row into a Course would cost
    four times as much. Only when that version is no longer the course's (after an import or
    an admin save) is the course read again."""
    _, outline, course = _outlines.get(course_slug, (None, None, None))
    if course is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, content_version FROM {Course._meta.db_table} WHERE slug = %s",  # noqa: S608
                [course_slug],
            )
            if cursor.fetchone() == (course.pk, course.content_version):
                return course, outline
    course = Course.objects.filter(slug=course_slug).first()
    return (course, get_outline(course)) if course is not None else None


OUTLINE_LESSON_FIELDS = (
    "id",
    "doc_id",
    "path",
    "title",
    "sidebar_label",
    "section_id",
    "order",
    "content_hash",
    "unlisted",
)


def build_outline(course):
    sections = {
        section.id: OutlineSection(
            id=section.id,
            title=section.title,
            description=section.description,
            path=section.path,
            depth=section.depth,
            parent_id=section.parent_id,
            page_doc_id=(section.meta or {}).get("page"),
        )
        for section in Section.objects.filter(course=course, archived=False).order_by("order")
    }
    published = {}
    rows = Lesson.objects.published().filter(course=course).order_by("order", "id")
    for lesson in rows.only(*OUTLINE_LESSON_FIELDS):
        published[lesson.id] = OutlineLesson(
            id=lesson.id,
            doc_id=lesson.doc_id,
            path=lesson.path,
            url=lesson_url(course.slug, lesson.path),
            title=lesson.title,
            label=lesson.label,
            section_id=lesson.section_id if lesson.section_id in sections else None,
            order=lesson.order,
            content_hash=lesson.content_hash,
            listed=not lesson.unlisted,
        )
    lessons = [item for item in published.values() if item.listed]

    top_entries = []
    for item in lessons:
        section = sections.get(item.section_id)
        (section.entries if section else top_entries).append(item)
        if section and _is_page_of(item, section):
            section.index_url = item.url
    for section in sections.values():
        parent = sections.get(section.parent_id)
        (parent.entries if parent else top_entries).append(section)
    return Outline(
        course_id=course.pk,
        course_url=course.get_absolute_url(),
        entries=_with_links(course, sections, _arrange(top_entries), lessons),
        lessons=lessons,
        published=published,
        sections_by_id=sections,
        orders=[item.order for item in lessons],
        front_page=next((item for item in published.values() if not item.path), None),
    )


def _is_page_of(item, section):
    if section.page_doc_id is not None:
        return item.doc_id == section.page_doc_id
    return item.path == section.path


def _with_links(course, sections, entries, lessons):
    """A site sidebar's external links put in the arranged outline, each just before the
    item that followed it in the sidebar."""
    links = (course.meta or {}).get("outline_links", [])
    if not links:
        return entries
    by_path = {section.path: section for section in sections.values()}
    by_doc_id = {item.doc_id: item for item in lessons}
    for link in links:
        parent = by_path.get(link.get("section"))
        if parent is not None and not parent.lesson_ids:
            continue  # a section the outline leaves out
        before = link.get("before") or {}
        following = by_doc_id.get(before.get("doc")) or by_path.get(before.get("section"))
        order = _first_order(following) - 0.5 if following else float("inf")
        listing = parent.entries if parent is not None else entries
        listing.append(OutlineLink(label=str(link["label"]), url=str(link["href"]), order=order))
        listing.sort(key=_first_order)
    return entries


def _arrange(entries):
    """Drop sections without listed lessons and put the rest in reading order, recursively."""
    kept = []
    for entry in entries:
        if entry.is_section:
            entry.entries = _arrange(entry.entries)
            ids = set()
            for child in entry.entries:
                if not child.is_link:
                    ids |= child.lesson_ids if child.is_section else {child.id}
            if not ids:
                continue
            entry.lesson_ids = frozenset(ids)
            entry.first_order = min(
                _first_order(child) for child in entry.entries if not child.is_link
            )
        kept.append(entry)
    return sorted(kept, key=_first_order)


def _first_order(entry):
    return entry.first_order if entry.is_section else entry.order
