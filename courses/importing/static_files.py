"""A site's `static/` folder: the images and files its lessons reference, by a site path
(`/img/x.png`, served from `static/` by Docusaurus) or by a relative path into `static/`
(`../../static/img/x.png`), are stored with the course like the images beside its lessons.

Only what a lesson references is read, not the whole folder. A reference that leads
nowhere is left to the renderer, which reports it as a warning at its line.
"""

import dataclasses
import hashlib
import os
import posixpath
import re
from urllib.parse import unquote

from courses.importing.records import AssetSource
from courses.importing.tree import IMAGE_TYPES, MAX_IMAGE_BYTES

FILE_TYPES = {
    **IMAGE_TYPES,
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".mp3": "audio/mpeg",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}
# Markdown link and image targets, reference definitions, and src/href attributes.
REFERENCE = re.compile(
    r"""\]\(\s*(?:<([^>\n]+)>|([^)\s]+))"""
    r"""|^[ ]{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)"""
    r"""|(?:src|href)\s*=\s*["']([^"']+)""",
    re.MULTILINE,
)


def add_static_assets(source, site):
    """The CourseSource with the static files its lessons reference added to its assets,
    each at its path from the docs folder (`../static/img/x.png`)."""
    if site is None or site.static_dir is None:
        return source
    prefix = posixpath.relpath(site.static_dir.as_posix(), site.docs_dir.as_posix())
    root = site.static_dir.resolve()
    found, warnings = {}, []
    for lesson in source.lessons:
        base = posixpath.dirname(lesson.source_path)
        for match in REFERENCE.finditer(lesson.body):
            target = next(group for group in match.groups() if group)
            rel = static_path(target, base, prefix)
            if rel is None or rel in found:
                continue
            found[rel] = _read(root, rel, f"{prefix}/{rel}", warnings, site)
    assets = [asset for asset in found.values() if asset is not None]
    if not assets and not warnings:
        return source
    return dataclasses.replace(
        source,
        assets=(*source.assets, *assets),
        warnings=(*source.warnings, *warnings),
    )


def static_path(target, base, prefix):
    """The path inside `static/` a reference names, or None when it names none."""
    target = unquote(target.split("#", 1)[0].split("?", 1)[0])
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


def _read(root, rel, asset_path, warnings, site):
    path = root / rel
    if not path.is_file():
        return None  # the renderer reports it where it is referenced
    real = path.resolve()
    if not real.is_relative_to(root):
        warnings.append(f"{site.where(path)}: a symlink out of static/; not stored")
        return None
    size = os.stat(real).st_size
    if size > MAX_IMAGE_BYTES:
        limit = MAX_IMAGE_BYTES // 2**20
        megabytes = size / 2**20
        warnings.append(f"{site.where(path)}: is {megabytes:.1f} MB, over {limit} MB; not stored")
        return None
    data = real.read_bytes()
    return AssetSource(
        path=asset_path,
        content_type=FILE_TYPES[posixpath.splitext(rel)[1].lower()],
        digest=hashlib.sha256(data).hexdigest(),
        data=data,
    )
