"""The plain records an import reads a course into (no ORM): the course, its sections,
lessons and files, each with what it was read from."""

from dataclasses import dataclass, field


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

    @property
    def page(self):
        """The doc id of the section's own page (shown as the section), or None."""
        return self.meta.get("page")


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
    body_links: tuple  # links.links_in_body(body)


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
    memo: object  # what was read from each lesson file, for the next import (a memo.Memo)
    # The Docusaurus site the course was read from (a site_config.Site), or None.
    site: object = None
