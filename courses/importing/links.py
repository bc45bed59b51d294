"""Where each lesson file and image of a course is served, and how a link in a body finds it."""

import posixpath
import re
from collections import defaultdict
from functools import cache
from urllib.parse import unquote

from django.urls import reverse

from courses.importing.order import strip_number_prefixes
from courses.importing.sources import LESSON_SUFFIXES
from courses.models import Asset, Lesson

# File names a body may refer to, found from their extension backwards (a pattern that
# starts at every character is ten times slower): a superset of the links and images
# the renderer resolves.
REFERENCE_END = re.compile(
    r"\.(?:mdx?|avif|bmp|gif|ico|jpe?g|png|svg|webp|pdf|zip|csv|txt|mp3|mp4|webm)(?![\w.-])",
    re.IGNORECASE,
)
NAME_BACKWARDS = re.compile(r"[^\s/\\()\[\]<>\"'`|]*")
# Paths that reverse() would leave as they are, so that their URLs can be built directly.
PLAIN_PATH = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*")
ESCAPES = object()


# Links and rendering --------------------------------------------------------------------------


def lesson_url(course_slug, path):
    """Lesson.get_absolute_url() without a Lesson; plain paths skip reverse() (1,000 of
    them cost more than the rest of an unchanged re-import)."""
    if not path:  # the course's front page
        return reverse("courses:course", args=[course_slug])
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
        # Where a site's static/ folder is, seen from the docs folder ("../static"): its
        # files are stored at paths below it and found by site paths ("/img/x.png").
        self.static_prefix = None

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
        if path.startswith("../"):
            parts = path.split("/")
            ups = next(i for i, part in enumerate(parts) if part != "..")
            self.static_prefix = "/".join(parts[: ups + 1])
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
            outside = posixpath.normpath(posixpath.join(base_dir, unquote(target.split("?")[0])))
            return table.get(outside) or ESCAPES  # a relative path into static/
        found = table.get(path) or table.get(strip_number_prefixes(path))
        if found is None and target.startswith("/") and self.static_prefix:
            found = table.get(f"{self.static_prefix}/{path}")
        return found


class Resolver:
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
        """An image or file stored with the course; one that is not there (inside the
        course or out of it) is the renderer's warning, never an error."""
        url = self.links.resolve(self.links.images, self.base_dir, src)
        return None if url is ESCAPES else url
