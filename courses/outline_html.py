"""The outline as HTML: the course page's contents and the lesson page's sidebar.

A large course makes a long list (1,000 lessons, 1,000 list items), and rendering it through
template includes costs tens of milliseconds a page. So the markup is written once per
outline (and so once per course version) with holes in it, and each request only fills the
holes with one learner's state: per lesson the done or not-done variant of its item, per
section whether it is open and how many of its lessons are done.

A large course lists only the lessons of the open sections; every other section is one
link: in the sidebar to its first page, on the course page to the course page with that
section open. Docusaurus, too, renders a collapsed category's items only once it is opened,
so pages stay small whatever the size of the course.
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

# Up to this many listed lessons, outlines list every lesson, folded sections included.
FULL_OUTLINE_LESSONS = 100


@dataclass(frozen=True)
class _Lesson:
    id: int
    not_done: str
    done: str
    visitor: str
    item: object


@dataclass(frozen=True)
class _Section:
    """A section's markup around its count: folded to a link, open, or closed."""

    section: object
    parts: list
    folded: tuple
    opened: tuple
    closed: tuple


class OutlineHTML:
    """The outline's nested list, ready to be filled in by `render`."""

    def __init__(self, outline, *, contents=False):
        # The course page's contents show section descriptions, and unfold sections in place.
        self.contents = contents
        self.course_url = outline.course_url
        self.fold = outline.total > FULL_OUTLINE_LESSONS
        self.parts = self.list_parts(outline.entries, nested=False)

    def render(
        self,
        *,
        done_ids=frozenset(),
        updated_ids=frozenset(),
        signed_in=False,
        current_id=None,
        open_ids=None,
    ):
        """The list for one learner: checkmarks for `done_ids`, "updated" badges for
        `updated_ids`, counts and marks when `signed_in`, the current lesson marked, the
        sections in `open_ids` unfolded (all of them when `open_ids` is None)."""
        html = []
        state = (done_ids, updated_ids, signed_in, current_id, open_ids)
        self.render_parts(self.parts, html, state)
        return mark_safe("".join(html))  # noqa: S308 - every text in it went through escape()

    def render_parts(self, parts, html, state):
        done_ids, updated_ids, signed_in, current_id, _ = state
        for part in parts:
            if part.__class__ is str:
                html.append(part)
            elif part.__class__ is _Section:
                self.render_section(part, html, state)
            elif part.id == current_id or part.id in updated_ids:
                html.append(
                    lesson_item(
                        part.item,
                        done=part.id in done_ids,
                        updated=part.id in updated_ids,
                        current=part.id == current_id,
                        marked=signed_in,
                    )
                )
            elif not signed_in:
                html.append(part.visitor)
            else:
                html.append(part.done if part.id in done_ids else part.not_done)

    def render_section(self, part, html, state):
        done_ids, _, signed_in, _, open_ids = state
        section = part.section
        count = section_count(section, done_ids) if signed_in else ""
        is_open = open_ids is None or section.id in open_ids
        if not is_open and self.fold:
            html += [part.folded[0], count, part.folded[1]]
            return
        before, after = part.opened if is_open else part.closed
        html += [before, count, after]
        self.render_parts(part.parts, html, state)
        html.append("</details></li>")

    def section_part(self, section):
        name = f'<span class="outline__section-name">{escape(section.title)}</span>'
        description = self.description(section)
        start = f'<li class="outline__section" id="section-{section.id}">'
        return _Section(
            section=section,
            parts=self.list_parts(section.entries, nested=True),
            folded=(
                '<li class="outline__section outline__section--folded"'
                f' id="section-{section.id}">'
                f'<a class="outline__section-link" href="{self.folded_url(section)}">{name}',
                f"</a>{description}</li>",
            ),
            opened=(f"{start}<details open><summary>{name}", f"</summary>{description}"),
            closed=(f"{start}<details><summary>{name}", f"</summary>{description}"),
        )

    def description(self, section):
        if not (self.contents and section.description):
            return ""
        return f'<p class="outline__description">{escape(section.description)}</p>'

    def folded_url(self, section):
        if self.contents:
            return escape(f"{self.course_url}?section={section.id}#section-{section.id}")
        return escape(section.index_url or first_lesson(section).url)

    def list_parts(self, entries, *, nested):
        nested_class = " outline--nested" if nested else ""
        parts = [f'<ol class="outline{nested_class}">']
        for entry in entries:
            if entry.is_link:
                parts.append(link_item(entry))
            elif entry.is_section:
                parts.append(self.section_part(entry))
            else:
                parts.append(
                    _Lesson(
                        entry.id,
                        not_done=lesson_item(entry, done=False),
                        done=lesson_item(entry, done=True),
                        visitor=lesson_item(entry, done=False, marked=False),
                        item=entry,
                    )
                )
        parts.append("</ol>")
        return parts


def first_lesson(section):
    entry = next(entry for entry in section.entries if not entry.is_link)
    return first_lesson(entry) if entry.is_section else entry


def link_item(link):
    """An external link from a site's sidebar: no checkmark, marked as leaving the site."""
    return (
        f'<li class="outline__link"><a href="{escape(link.url)}" rel="noopener noreferrer">'
        f'<span class="outline__label">{escape(link.label)}</span>'
        '<span class="visually-hidden"> (another site)</span> <span aria-hidden="true">↗</span>'
        "</a></li>"
    )


def section_count(section, done_ids):
    done, total = len(section.lesson_ids & done_ids), len(section.lesson_ids)
    return f'<span class="outline__count">{done} of {total}</span>'


def lesson_item(item, *, done, updated=False, current=False, marked=True):
    """One lesson of the outline: a link with its label, badges and, when `marked` (for a
    signed-in learner), its checkmark or empty circle."""
    done_class = " outline__lesson--done" if done else ""
    current_attribute = ' aria-current="page"' if current else ""
    mark = ""
    if marked:
        mark = f'<span class="outline__mark" aria-hidden="true">{"✓" if done else "○"}</span>'
    completed = '<span class="visually-hidden"> (completed)</span>' if done else ""
    badge = ' <span class="badge">updated</span>' if updated else ""
    label = f'<span class="outline__label">{escape(item.label)}{completed}{badge}</span>'
    return (
        f'<li class="outline__lesson{done_class}"><a href="{escape(item.url)}"{current_attribute}>'
        f"{mark}{label}</a></li>"
    )
