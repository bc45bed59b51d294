"""Files lessons link to, stored with the course as Docusaurus bundles them with the site:
a file beside the lessons (`./starter.zip`, `todos.json`; images there are read with the
lessons), and in a site's `static/` folder an image or file referenced by a site path
(`/img/x.png`, served from `static/` by Docusaurus) or by a relative path into `static/`
(`../../static/img/x.png`) or by Docusaurus' alias for it (`@site/static/img/x.png`), in
Markdown, HTML or MDX (`require("…")`, `useBaseUrl("/img/x.png")`).

Only what a lesson references is read, not whole folders. A reference that leads nowhere is
left to the renderer, which reports it as a warning or a broken link at its line.
"""

import dataclasses
import hashlib
import os
import posixpath
import re
from urllib.parse import unquote

from courses.importing.records import AssetSource

MAX_IMAGE_BYTES = 10 * 1024 * 1024
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
FILE_TYPES = {
    **IMAGE_TYPES,
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".csv": "text/csv",
    ".json": "application/json",
    ".txt": "text/plain",
    ".mp3": "audio/mpeg",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}
FILE_SUFFIXES = tuple(FILE_TYPES)
SITE_STATIC = "@site/static/"
FILE_SUFFIX = re.compile(r"\.(?:{})\b".format("|".join(s[1:] for s in FILE_TYPES)), re.IGNORECASE)
# Markdown link and image targets, reference definitions, src/href attributes and MDX's
# require("..."); each pattern starts with a literal, which is searched ten times faster
# than alternatives.
REFERENCES = (
    re.compile(r"\]\(\s*(?:<([^>\n]+)>|((?:[^()\s]|\([^()\s]*\))+))"),
    re.compile(r"\n {0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s|$)"),
    re.compile(r"""src\s*=\s*["']([^"']+)"""),
    re.compile(r"""href\s*=\s*["']([^"']+)"""),
    re.compile(r"""require\(\s*["']([^"']+)"""),
)
# useBaseUrl("img/x.png") in MDX: a path in static/, with or without its leading slash.
BASE_URL_REFERENCE = re.compile(r"""useBaseUrl\(\s*["']/?([^"':]+)""")


def add_linked_files(source, course_dir, site):
    """The CourseSource with the files its lessons link to added to its assets, each at its
    path from the course folder (`exercises/starter.zip`, `../static/img/x.png`)."""
    course_root = course_dir.resolve()
    static_root = site.static_dir.resolve() if site and site.static_dir else None
    prefix = static_root and posixpath.relpath(site.static_dir, site.docs_dir)
    stored = {asset.path for asset in source.assets}
    found, warnings = {}, []
    for lesson in source.lessons:
        base = posixpath.dirname(lesson.source_path)
        for target in references(lesson.body):
            for root, rel, path in _places(target, base, prefix, static_root, course_root):
                if path not in stored and path not in found:
                    found[path] = _read(root, rel, path, warnings, course_dir.name)
    assets = [asset for asset in found.values() if asset is not None]
    if not assets and not warnings:
        return source
    return dataclasses.replace(
        source,
        assets=(*source.assets, *assets),
        warnings=(*source.warnings, *warnings),
    )


def references(body):
    """Every link, image and reference target written in `body` that may name a file."""
    if not FILE_SUFFIX.search(body):
        return  # most lessons: looked for in a tenth of the time the patterns below take
    text = "\n" + body
    for pattern in REFERENCES:
        for match in pattern.finditer(text):
            target = next(group for group in match.groups() if group)
            if _names_a_file(target):
                yield target
    for match in BASE_URL_REFERENCE.finditer(text):
        if _names_a_file(match.group(1)):
            yield "/" + match.group(1)


def _names_a_file(target):
    return target.lower().split("#", 1)[0].split("?", 1)[0].endswith(FILE_SUFFIXES)


def _places(target, base, prefix, static_root, course_root):
    """(root folder, path in it, path from the course folder) of each file `target`, linked
    from a lesson in folder `base`, may name."""
    if static_root is not None and (rel := static_path(target, base, prefix)) is not None:
        yield static_root, rel, f"{prefix}/{rel}"
    if (rel := beside_path(target, base)) is not None:
        yield course_root, rel, rel


def beside_path(target, base):
    """The path inside the course folder a relative reference names, when it is a file to
    store (not a lesson, not an image: those are read with the lessons)."""
    target = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if target.startswith("/") or ":" in target.split("/", 1)[0]:
        return None
    rel = posixpath.normpath(posixpath.join(base, target))
    suffix = posixpath.splitext(rel)[1].lower()
    if rel.startswith("..") or suffix not in FILE_TYPES or suffix in IMAGE_TYPES:
        return None
    return rel


def site_path(target):
    """`target` with Docusaurus' `@site/static/` alias (the site's static folder, as webpack
    resolves it) written as the site path it serves the file at: `/img/x.png`."""
    return "/" + target.removeprefix(SITE_STATIC) if target.startswith(SITE_STATIC) else target


def static_path(target, base, prefix):
    """The path inside `static/` a reference names, or None when it names none."""
    target = unquote(site_path(target).split("#", 1)[0].split("?", 1)[0])
    if target.startswith("//") or ":" in target.split("/", 1)[0]:
        return None  # another site
    if target.startswith("/"):
        rel = posixpath.normpath(target.lstrip("/"))
    else:
        joined = posixpath.normpath(posixpath.join(base, target))
        if not joined.startswith(f"{prefix}/"):
            return None
        rel = joined[len(prefix) + 1 :]
    if rel.startswith("..") or posixpath.splitext(rel)[1].lower() not in FILE_TYPES:
        return None
    return rel


def _read(root, rel, asset_path, warnings, course_name):
    path = root / rel
    if not path.is_file():
        return None  # the renderer reports it where it is referenced
    real = path.resolve()
    where = f"{course_name}/{asset_path}"
    if not real.is_relative_to(root):
        warnings.append(f"{where}: a symlink out of its folder; not stored")
        return None
    size = os.stat(real).st_size
    if size > MAX_IMAGE_BYTES:
        limit = MAX_IMAGE_BYTES // 2**20
        megabytes = size / 2**20
        warnings.append(f"{where}: is {megabytes:.1f} MB, over {limit} MB; not stored")
        return None
    data = real.read_bytes()
    return AssetSource(
        path=asset_path,
        content_type=FILE_TYPES[posixpath.splitext(rel)[1].lower()],
        digest=hashlib.sha256(data).hexdigest(),
        data=data,
    )
