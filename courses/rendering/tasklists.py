"""Task lists (`- [ ] I can explain self-attention`): each item gets a labelled checkbox
carrying a key made from the item's text. `learners` keeps each learner's ticks under those
keys, so a tick stays with its item through re-imports for as long as the text is unchanged.

These checkboxes are the only inputs a lesson may hold. The sanitiser removes every
<input>, an author's raw `<input name="q">` included; the Markdown pass leaves a token
holding this render's nonce where each checkbox belongs, and `put_checkboxes` turns only
those tokens into checkboxes once the HTML is sanitised.
"""

import hashlib
import html
import re
import secrets
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

import markdown
from markdown.treeprocessors import Treeprocessor

TASK_MARKER = re.compile(r"^ *\[(?P<state>[ xX])\] +(?P<text>.*)", re.DOTALL)
CHECKBOX = re.compile(
    r'<input type="checkbox" class="task-list-item-checkbox" data-task="(?P<key>[0-9a-f-]+)"'
    r" disabled(?P<checked> checked)?>"
)
ITEM = re.compile(CHECKBOX.pattern + r"(?P<label>.*?)</label>", re.DOTALL)
TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class TaskItem:
    key: str
    text: str
    checked: bool  # as the author wrote it: `[x]`


@dataclass
class _Checkboxes:
    """The task items of one render, in document order, and the nonce of their tokens."""

    nonce: str = field(default_factory=lambda: secrets.token_hex(8))
    items: list = field(default_factory=list)  # (key, checked)
    holders: list = field(default_factory=list)  # the elements whose text starts with one

    def token(self, index):
        return f"[[task {self.nonce} {index}]]"


def item_key(text, seen):
    """A hash of the item's text (whitespace collapsed), numbered `-2`, `-3` when the same
    text comes again in the lesson. `seen` counts the keys given so far."""
    digest = hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]
    seen[digest] = seen.get(digest, 0) + 1
    return digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"


class _FindTasks(Treeprocessor):
    """Before inline Markdown: a list item starting `[ ]` or `[x]` (or its first paragraph,
    in a loose list) gets a checkbox token in place of the marker."""

    def run(self, root):
        self.md.coursebook.checkboxes = boxes = _Checkboxes()
        seen = {}
        parents = {}
        for item in root.iter("li"):
            holder = item if item.text else next(iter(item), None)
            if holder is None or holder.tag not in ("li", "p") or not holder.text:
                continue
            match = TASK_MARKER.match(holder.text)
            if match is None:
                continue
            token = self.md.htmlStash.store(boxes.token(len(boxes.items)))
            holder.text = token + match.group("text")
            boxes.items.append((item_key(match.group("text"), seen), match.group("state") != " "))
            boxes.holders.append(holder)
            _add_class(item, "task-list-item")
            parents = parents or {child: parent for parent in root.iter() for child in parent}
            _add_class(parents[item], "task-list")


class _LabelTasks(Treeprocessor):
    """After inline Markdown: each task item's own text, up to its first block (a nested
    list), goes into a <label>, which names the checkbox and makes the text tick it."""

    def run(self, root):
        for holder in self.md.coursebook.checkboxes.holders:
            label = etree.Element("label", {"class": "task-list-item-label"})
            label.text, holder.text = holder.text, None
            for child in list(holder):
                if self.md.is_block_level(child.tag):
                    break
                holder.remove(child)
                label.append(child)
            holder.insert(0, label)


class TaskListExtension(markdown.Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_FindTasks(md), "coursebook_find_tasks", 25)
        md.treeprocessors.register(_LabelTasks(md), "coursebook_label_tasks", 19)


def put_checkboxes(sanitised_html, boxes):
    """The sanitised HTML with this render's tokens turned into checkboxes, read-only
    (`learners` makes them a learner's own). `boxes` is None when no task list was looked for
    (an empty body)."""
    if boxes is None or not boxes.items:
        return sanitised_html
    pattern = re.compile(rf"\[\[task {boxes.nonce} (\d+)\]\]")

    def checkbox(match):
        key, checked = boxes.items[int(match.group(1))]
        checked_attribute = " checked" if checked else ""
        return (
            f'<input type="checkbox" class="task-list-item-checkbox" data-task="{key}"'
            f" disabled{checked_attribute}>"
        )

    return pattern.sub(checkbox, sanitised_html)


def has_checklist(body_html):
    """Whether a rendered lesson has task-list checkboxes (a checklist for each learner)."""
    return CHECKBOX.search(body_html) is not None


def task_items(body_html):
    """The task items of a rendered lesson, in order, with their text as a reader sees it."""
    if 'class="task-list-item-checkbox"' not in body_html:
        return []
    return [
        TaskItem(
            key=match.group("key"),
            text=" ".join(html.unescape(TAG.sub("", match.group("label"))).split()),
            checked=bool(match.group("checked")),
        )
        for match in ITEM.finditer(body_html)
    ]


def _add_class(element, name):
    classes = element.get("class", "").split()
    if name not in classes:
        element.set("class", " ".join([*classes, name]))
