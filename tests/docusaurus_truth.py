"""Compare an imported course with what Docusaurus itself made of the same folder.

`tests/fixtures/sites/*/docusaurus-truth.json` is written by `../shared/docusaurus-truth/truth.sh`
(real Docusaurus 3.10, run by hand, see its README), so the tests need no Node.js. Our URL
for a Docusaurus permalink `/x/y` is `/courses/<slug>/x/y/`; for `/`, the course's own URL.
"""

import json
from pathlib import Path
from urllib.parse import quote

from courses.models import Lesson
from courses.outline import build_outline


def load_truth(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def our_url(course, permalink):
    path = quote(permalink.strip("/"))
    return f"/courses/{course.slug}/" + path + ("/" if path else "")


def outline_sections(entries, depth=1):
    """(title, depth, page URL) of every section of the outline, depth first."""
    found = []
    for entry in entries:
        if entry.is_section:
            found.append((entry.title, depth, entry.index_url or None))
            found += outline_sections(entry.entries, depth + 1)
    return found


def outline_links(entries):
    found = []
    for entry in entries:
        if entry.is_link:
            found.append((entry.label, entry.url))
        elif entry.is_section:
            found += outline_links(entry.entries)
    return found


def compare_with_docusaurus(course, truth):
    """The differences between the course and Docusaurus' reading of it, as readable lines
    (empty when they agree): pages in reading order with their labels and URLs, sections
    with their labels, depths and pages, drafts, pages in no sidebar, external links."""
    outline = build_outline(course)
    generated = set(
        Lesson.objects.filter(course=course, meta__generated_index=True).values_list(
            "id", flat=True
        )
    )
    sections_by_page = {}
    for section in outline.sections_by_id.values():
        if section.index_url:
            sections_by_page[section.index_url] = section.title
    ours = [
        (item.url, sections_by_page.get(item.url, item.label))
        for item in outline.lessons
        if item.id not in generated
    ]
    theirs = [
        (our_url(course, doc["permalink"]), doc["sidebar_label"])
        for doc in truth["docs"]
        if doc["in_sidebar"]
    ]
    problems = []
    if ours != theirs:
        problems.append(f"reading order and labels:\n  ours   {ours}\n  theirs {theirs}")

    their_sections = [
        (c["label"], c["depth"], our_url(course, c["href"]) if c["href"] else None)
        for c in truth["categories"]
    ]
    our_sections = outline_sections(outline.entries)
    if our_sections != their_sections:
        problems.append(f"sections:\n  ours   {our_sections}\n  theirs {their_sections}")

    lessons = Lesson.objects.filter(course=course, archived=False)
    not_listed = {
        our_url(course, doc["permalink"]) for doc in truth["docs"] if not doc["in_sidebar"]
    }
    our_not_listed = {
        lesson.get_absolute_url() for lesson in lessons.filter(unlisted=True, draft=False)
    }
    if our_not_listed != not_listed:
        problems.append(f"pages in no sidebar: ours {our_not_listed}, theirs {not_listed}")
    drafts = {e["source"] for e in truth["excluded"] if e["reason"].startswith("draft")}
    our_drafts = set(lessons.filter(draft=True).values_list("source_path", flat=True))
    if our_drafts != drafts:
        problems.append(f"drafts: ours {our_drafts}, theirs {drafts}")

    their_links = [
        (item["label"], item["href"])
        for note in truth["notes"]
        if note.startswith("non-doc sidebar item: ")
        and (item := json.loads(note.removeprefix("non-doc sidebar item: ")))["type"] == "link"
    ]
    if outline_links(outline.entries) != their_links:
        problems.append(f"links: ours {outline_links(outline.entries)}, theirs {their_links}")
    return problems
