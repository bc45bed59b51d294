"""Where each lesson file and image of a course is served, and how a link in a body finds it,
as Docusaurus resolves it:

- a link to a `.md`/`.mdx` file names the file: `./x.md` and `../x.md` from the linking file's
  folder; `/x.md` from the docs folder, then from the site folder (`/docs/x.md`); a bare
  `x.md` from the file's folder, then the docs folder, then the site folder;
- any other local link is a URL, which the browser resolves against the page's Docusaurus URL
  (`/guide/setup`, no trailing slash, or `/guide/` for a folder's own page): `audits/` there is
  `/guide/audits/`, the lesson whose permalink is `guide/audits`. Our lesson URLs end in `/`,
  so such links are rewritten to the lesson's URL rather than left to the browser.
"""

import posixpath
import re
from collections import defaultdict
from functools import cache
from pathlib import Path
from urllib.parse import unquote

from django.urls import reverse

from courses.importing.linked_files import FILE_TYPES, site_path
from courses.importing.order import strip_number_prefixes
from courses.importing.sources import LESSON_SUFFIXES
from courses.models import Asset, Lesson

# File names a body may refer to, found from their extension backwards (a pattern that
# starts at every character is ten times slower): a superset of the links and images
# the renderer resolves.
REFERENCE_END = re.compile(
    r"\.(?:mdx?|{})(?![\w.-])".format("|".join(suffix[1:] for suffix in FILE_TYPES)),
    re.IGNORECASE,
)
NAME_BACKWARDS = re.compile(r"[^\s/\\()\[\]<>\"'`|]*")
# The targets of inline links and of reference definitions: a superset of the URL-style
# links the renderer resolves. (Two patterns that each start with a literal are searched
# ten times faster than one with alternatives.)
INLINE_LINK_TARGET = re.compile(r"\]\(\s*<?([^\s)>]+)")
DEFINED_LINK_TARGET = re.compile(r"\n {0,3}\[(?!\^)[^\]\n]+\]:[ \t]*<?([^\s>]+)")
HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")
# Paths that reverse() would leave as they are, so that their URLs can be built directly.
PLAIN_PATH = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*")
ESCAPES = object()
# Where Docusaurus sites keep their docs and serve them from, unless their config says otherwise.
DEFAULT_DOCS_FOLDER = "docs"


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


def docusaurus_url(path, section_path):
    """The page's URL as Docusaurus serves it: `/guide/setup`, and `/guide/` for a folder's
    own page (index, README or the folder's name), which shares its folder's path."""
    if not path:
        return "/"
    return f"/{path}/" if path == section_path else f"/{path}"


def links_in_body(body):
    """What a body may link to, for `LinkMap.dependencies`: the last word of every file name
    it may name, and every URL-style link target (anchor and query left out)."""
    file_names = set()
    for end in REFERENCE_END.finditer(body):
        before = body[max(0, end.start() - 255) : end.start()][::-1]
        file_names.add(_token(unquote(NAME_BACKWARDS.match(before)[0][::-1] + end[0])))
    url_targets = set()
    for target in INLINE_LINK_TARGET.findall(body) + DEFINED_LINK_TARGET.findall("\n" + body):
        target = target.split("#", 1)[0].split("?", 1)[0]
        if target and not HAS_SCHEME.match(target) and not _is_lesson_file(target):
            url_targets.add(target)
    return tuple(sorted(file_names)), tuple(sorted(url_targets))


def _token(file_name):
    words = file_name.split()
    return words[-1] if words else file_name


def _is_lesson_file(path):
    return path.lower().endswith(LESSON_SUFFIXES)


class LinkMap:
    """Where each lesson file and image of a course is served.

    A relative link names a file as on disk (`../05-x/y.md`); the same path without
    number prefixes (`../x/y.md`) or by doc id is accepted too, which lets lessons
    created in the admin (placed by their doc id) link to files.

    `docs_folder` is the course folder's path inside its Docusaurus site, for `/docs/x.md`;
    `route_base_path` the URL path the site serves its docs under, for `/guides/x` URLs
    (Docusaurus's default, `docs`, is always understood).
    """

    def __init__(self, course_slug, docs_folder="", route_base_path=""):
        self.course_slug = course_slug
        self.site_prefixes = {f"{name}/" for name in (docs_folder, DEFAULT_DOCS_FOLDER) if name}
        self.route_prefixes = {
            f"{name.strip('/')}/"
            for name in (route_base_path, DEFAULT_DOCS_FOLDER)
            if name.strip("/")
        }
        self.lessons = {}
        self.pages = {}
        self.images = {}
        self.by_token = defaultdict(set)
        # Where a site's static/ folder is, seen from the docs folder ("../static"): its
        # files are stored at paths below it and found by site paths ("/img/x.png").
        self.static_prefix = None

    @classmethod
    def from_source(cls, source, kept_paths):
        """`kept_paths` maps the doc ids of lessons the import leaves alone (admin edits) to
        the path they have in the database, which may differ from their file's."""
        links = cls(source.slug, Path(source.source_dir).name)
        for lesson in source.lessons:
            path = kept_paths.get(lesson.doc_id, lesson.path)
            links.add_lesson(lesson.source_path, lesson.doc_id, path)
        for asset in source.assets:
            links.add_image(asset.path, asset.digest)
        return links

    @classmethod
    def from_database(cls, course):
        links = cls(course.slug, Path(course.source_dir).name if course.source_dir else "")
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
        self.pages.setdefault(path, url)

    def add_image(self, path, digest):
        if path.startswith("../"):
            parts = path.split("/")
            ups = next(i for i, part in enumerate(parts) if part != "..")
            self.static_prefix = "/".join(parts[: ups + 1])
        url = asset_url(self.course_slug, path, digest)
        for key in (path, strip_number_prefixes(path)):
            self.images.setdefault(key, url)
            self.by_token[_token(posixpath.basename(key))].add((key, url))

    def dependencies(self, body_links, page_url):
        """Every (file or page, URL) a body with these `links_in_body` could link to: when
        one changes, re-render the body."""
        file_names, url_targets = body_links
        found = set()
        for name in file_names:
            found |= self.by_token.get(name, set())
        for target in url_targets:
            page = self.page_path(page_url, target)
            found.add((f"url:{page}", self.page(page)))
        return sorted(found, key=lambda item: (item[0], item[1] or ""))

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
        target = site_path(target)
        path = self.course_path(base_dir, target)
        if path is ESCAPES:
            outside = posixpath.normpath(posixpath.join(base_dir, unquote(target.split("?")[0])))
            return table.get(outside) or ESCAPES  # a relative path into static/
        found = table.get(path) or table.get(strip_number_prefixes(path))
        if found is None and target.startswith("/") and self.static_prefix:
            found = table.get(f"{self.static_prefix}/{path}")
        return found

    def resolve_lesson_file(self, base_dir, target):
        """The URL of the lesson a `.md`/`.mdx` link names, from the folders Docusaurus tries:
        the linking file's folder for `./x.md` and `../x.md`; the course (docs) folder, then
        the site folder, for `/x.md`; all three, in that order, for `x.md`. ESCAPES for a
        link that climbs out of the course folder."""
        first = self.resolve(self.lessons, base_dir, target)
        if first is not None or target.startswith(("./", "../")):
            return first
        path = target.lstrip("/")
        tries = [] if target.startswith("/") else [path]
        tries += [
            path.removeprefix(prefix) for prefix in self.site_prefixes if path.startswith(prefix)
        ]
        for path in tries:
            if (url := self.resolve(self.lessons, "", path)) not in (None, ESCAPES):
                return url
        return None

    @staticmethod
    def page_path(page_url, target):
        """The Docusaurus path (no slashes at either end) that a URL-style link on the page
        at `page_url` leads to; `..` stops at the root, as in a browser."""
        target = unquote(target)
        joined = target if target.startswith("/") else posixpath.dirname(page_url) + "/" + target
        return posixpath.normpath(joined).strip("/")

    def page(self, path):
        """The URL of the lesson served at the Docusaurus path, also when the path starts
        with the URL path the site serves its docs under."""
        if (url := self.pages.get(path)) is not None:
            return url
        for prefix in self.route_prefixes:
            if path.startswith(prefix) and (url := self.pages.get(path[len(prefix) :])):
                return url
        return None


class Resolver:
    """The renderer's callbacks for one body; remembers links that leave the course."""

    def __init__(self, links, base_dir, page_url="/"):
        self.links = links
        self.base_dir = base_dir
        self.page_url = page_url
        self.escaping = []

    def _escaped(self, url, target):
        if url is ESCAPES:
            self.escaping.append(target)
            return None
        return url

    def link(self, target):
        """A lesson file's URL; for any other link, the image or file it names beside the
        lesson, else the lesson at its URL; None when it leads nowhere."""
        if _is_lesson_file(target):
            return self._escaped(self.links.resolve_lesson_file(self.base_dir, target), target)
        asset = self.links.resolve(self.links.images, self.base_dir, target)
        if asset not in (None, ESCAPES):
            return asset
        return self.links.page(self.links.page_path(self.page_url, target))

    def image(self, src):
        """An image or file stored with the course; one that is not there (inside the
        course or out of it) is the renderer's warning, never an error."""
        url = self.links.resolve(self.links.images, self.base_dir, src)
        return None if url is ESCAPES else url
