"""Frontmatter and `_category_` files: YAML and JSON read safely, values checked and typed,
every problem with its file line."""

import datetime
import json
import math
import posixpath
import re

import frontmatter
import yaml

from courses.rendering.sanitise import strip_bidi_controls

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
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FRONTMATTER = frontmatter.YAMLHandler()


class Invalid(Exception):
    def __init__(self, message, line=None):
        super().__init__(message)
        self.message = message
        self.line = line


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
            raise Invalid("frontmatter starts with --- but never ends with ---", 1) from None
        yaml_line = text[: start.end()].count("\n") + 1
    stripped = body.lstrip("\n")
    first_line = text[: len(text) - len(stripped)].count("\n") + 1
    return yaml_text, yaml_line, stripped, first_line


def load_yaml(text, first_line):
    """Safe YAML without aliases: an alias bomb (a billion laughs) cannot expand."""
    try:
        if "*" in text:
            for event in yaml.parse(text, Loader=YAML_LOADER):
                if isinstance(event, yaml.AliasEvent):
                    raise Invalid(
                        "YAML aliases (*name) are not allowed",
                        first_line + event.start_mark.line,
                    )
        return yaml.load(text, Loader=YAML_LOADER)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "unreadable"
        raise Invalid(
            f"invalid YAML: {problem}", first_line + mark.line if mark else None
        ) from None
    except (yaml.YAMLError, RecursionError):
        raise Invalid("invalid YAML", first_line) from None


def load_category(text, is_json):
    if is_json:
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise Invalid(f"invalid JSON: {error.msg}", error.lineno) from None
    return load_yaml(text, 1)


def validate_category(data):
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise Invalid("must be a mapping of field: value")
    checks = (
        ("label", str, "text"),
        ("description", str, "text"),
        ("collapsed", bool, "true or false"),
        ("link", (dict, type(None)), "a mapping"),
    )
    for name, kind, words in checks:
        if name in data and not isinstance(data[name], kind):
            raise Invalid(f"`{name}` must be {words}, not {data[name]!r}")
    if "position" in data and not _is_number(data["position"]):
        raise Invalid(f"`position` must be a number, not {data['position']!r}")
    for name, limit in (("label", 300),):
        if len(data.get(name) or "") > limit:
            raise Invalid(f"`{name}` is longer than {limit} characters")
    return {k: clean_text(v) if isinstance(v, str) else v for k, v in data.items()}


def category_description(category):
    link = category.get("link") or {}
    description = category.get("description") or link.get("description") or ""
    return clean_text(str(description))


def resolve_slug(slug, folder_id):
    """A slug is a URL relative to the doc's folder, or to the course with a leading /;
    like any URL it cannot climb above the root."""
    joined = slug if slug.startswith("/") else posixpath.join("/", folder_id, slug)
    return posixpath.normpath(joined).strip("/")


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def clean_text(text):
    """Text from frontmatter and `_category_` files without NUL characters (PostgreSQL text
    cannot hold them; YAML can spell them, \\0) or bidi controls (which could make a title
    or a URL read as something else: `invoice` + U+202E + `gpj.exe`)."""
    return strip_bidi_controls(text.replace("\x00", ""))


def json_safe(value):
    """Frontmatter as JSON: dates to ISO strings, sets to lists, odd values to text."""
    if isinstance(value, dict):
        return {clean_text(str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, set):
        return sorted((json_safe(v) for v in value), key=str)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return clean_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes):
        return clean_text(value.decode("utf-8", "replace"))
    return clean_text(str(value))


class Frontmatter:
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
            return clean_text(str(value)).strip()
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
            tags.append(clean_text(str(tag)))
        return tuple(tags)

    def pagination(self, name):
        if name not in self.values:
            return ""
        value = self.values[name]
        if value is None:
            return None
        if isinstance(value, str):
            return clean_text(value)
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
