"""A Docusaurus site folder: what its `docusaurus.config.*` says about the course (title,
project name, where the docs are) and which sidebars and static files come with it.

The config is a program, not data, so it is never run: `javascript` reads the plain literals
it needs, and anything computed is a warning naming the file, with the default used.
"""

import posixpath
from dataclasses import dataclass
from pathlib import Path

from courses.importing.javascript import (
    Unreadable,
    exported_object,
    has_spread,
    object_fields,
    resolved_path,
    simple_value,
    string_value,
    tokens,
)

CONFIG_FILES = tuple(
    f"docusaurus.config.{suffix}" for suffix in ("js", "ts", "mjs", "cjs", "mts", "cts")
)
SIDEBAR_FILES = tuple(f"sidebars.{suffix}" for suffix in ("js", "ts", "json", "mjs", "cjs"))
DOCS_PLUGIN = "@docusaurus/plugin-content-docs"
MAX_CONFIG_BYTES = 1024 * 1024
# What a site folder may hold besides its docs that the course does not take in.
NOT_IMPORTED = {
    "blog": "a blog",
    "versioned_docs": "older versions of the docs",
    "i18n": "translations",
}


@dataclass(frozen=True)
class Site:
    root: Path
    config_file: str
    title: str
    project_name: str
    docs_dir: Path
    route_base_path: str
    sidebars_file: Path | None
    static_dir: Path | None
    warnings: tuple

    def where(self, path):
        return f"{self.root.name}/{Path(path).relative_to(self.root).as_posix()}"


def config_file(folder):
    """The folder's `docusaurus.config.*` file, or None when it is no Docusaurus site."""
    folder = Path(folder)
    return next((folder / name for name in CONFIG_FILES if (folder / name).is_file()), None)


def site_of_docs_folder(folder):
    """The site whose docs folder `folder` is, or None."""
    folder = Path(folder).resolve()
    parent = folder.parent
    if config_file(parent) is None:
        return None
    site = read_site(parent)
    return site if site.docs_dir.resolve() == folder else None


def read_site(folder):
    root = Path(folder).resolve()
    config = config_file(root)
    reader = _ConfigReader(root, config)
    options = reader.docs_options()
    docs_dir = root / (reader.text(options, "path") or "docs")
    if not docs_dir.resolve().is_relative_to(root):
        reader.warn(f"docs path {docs_dir} leads out of the site; using docs/")
        docs_dir = root / "docs"
    for name, what in NOT_IMPORTED.items():
        if (root / name).is_dir():
            where = f"{root.name}/{name}/"
            reader.warnings.append(f"{where}: {what}, not imported (only the docs are)")
    return Site(
        root=root,
        config_file=config.name,
        title=reader.text(reader.fields, "title"),
        project_name=reader.text(reader.fields, "projectName"),
        docs_dir=docs_dir,
        route_base_path=(reader.text(options, "routeBasePath") or "docs").strip("/"),
        sidebars_file=reader.sidebars_file(options),
        static_dir=root / "static" if (root / "static").is_dir() else None,
        warnings=tuple(reader.warnings),
    )


class _ConfigReader:
    def __init__(self, root, config):
        self.root = root
        self.name = f"{root.name}/{config.name}"
        self.warnings = []
        self.found, self.fields = [], {}
        if config.stat().st_size > MAX_CONFIG_BYTES:
            self.warn("is larger than 1 MB; not read")
            return
        try:
            self.found = tokens(config.read_text(encoding="utf-8"))
            start = exported_object(self.found)
            self.fields = object_fields(self.found, start)
        except (Unreadable, UnicodeDecodeError) as problem:
            self.warn(f"could not be read ({problem}); using Docusaurus' defaults")
            return
        if has_spread(self.found, start):
            self.warn("spreads computed values (`...`) into its config, which are not read")
        presets = self.fields.get("presets")
        if presets is not None and self.found[presets[0]].text != "[":
            self.warn("`presets` is not a plain array, so the docs options were not read")

    def warn(self, message):
        self.warnings.append(f"{self.name}: {message}")

    def text(self, fields, name):
        if name not in fields:
            return ""
        try:
            value = simple_value(self.found, fields[name])
        except Unreadable:
            self.warn(f"`{name}` is not a plain string, so it was not read")
            return ""
        return value.strip() if isinstance(value, str) else ""

    def docs_options(self):
        """The fields of the default docs plugin's options: the `@docusaurus/plugin-content-docs`
        plugin entry, else the classic preset's `docs: {...}`."""
        found = self.found
        for index, token in enumerate(found[:-2]):
            plugin = token.kind == "string" and string_value(token) == DOCS_PLUGIN
            if plugin and [t.text for t in found[index + 1 : index + 3]] == [",", "{"]:
                options = object_fields(found, index + 2)
                if self.text(options, "id") in ("", "default"):
                    return options
        for index, token in enumerate(found[:-2]):
            if token.text == "docs" and [t.text for t in found[index + 1 : index + 3]] == [
                ":",
                "{",
            ]:
                return object_fields(found, index + 2)
        return {}

    def sidebars_file(self, options):
        """`sidebarPath` when set, else Docusaurus' default `sidebars.js` (or .ts, .json)."""
        if "sidebarPath" in options:
            try:
                path = resolved_path(self.found, options["sidebarPath"])
            except Unreadable:
                self.warn("`sidebarPath` is not a plain path, so the sidebars were not read")
                return None
            if path is False:
                return None
            if isinstance(path, str):
                found = self._existing(path)
                if found is None:
                    self.warn(f"sidebarPath {path!r} names no file; the folders decide the order")
                return found
        return next((self.root / n for n in SIDEBAR_FILES if (self.root / n).is_file()), None)

    def _existing(self, path):
        candidate = (self.root / posixpath.normpath(path)).resolve()
        if not candidate.is_relative_to(self.root):
            return None
        if candidate.is_file():
            return candidate
        return next(
            (candidate.with_name(candidate.name + s) for s in (".js", ".ts", ".json")
             if candidate.with_name(candidate.name + s).is_file()),
            None,
        )  # fmt: skip
