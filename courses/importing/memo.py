"""What the last import read from each lesson file of a course, so that the next import
parses only the files whose bytes changed (an unchanged re-import reads and hashes every
file, and parses none).

A file's entry holds the LessonSource read from it, without its body but with where the body
starts in the file's text. It is used only for a file with the same path, the same hash and
the same place as its folder's own page (which depends on the files beside it), and only by
the importer code that wrote it: the render key's recipe changes with any of that code."""

from typing import NamedTuple

from django.db import DatabaseError

from courses.importing.recipe import recipe
from courses.importing.records import LessonSource
from courses.models import ImportMemo

# Fields that JSON gives back as lists of lists.
TUPLE_FIELDS = ("tags", "body_links")
# Memos per batch written or deleted after an import's switch.
MEMO_BATCH = 500


class Entry(NamedTuple):
    file_hash: str
    is_index: bool
    body_start: int
    fields: dict


class Memo:
    """What the last import read (`remembered`) and what this one read (`files`), by path."""

    def __init__(self, remembered=None):
        self.remembered = remembered or {}
        self.files = {}

    @classmethod
    def load(cls, course_slug):
        memos = ImportMemo.objects.filter(course__slug=course_slug, recipe=recipe())
        columns = ("source_path", *Entry._fields)
        try:
            return cls({path: Entry(*rest) for path, *rest in memos.values_list(*columns)})
        except DatabaseError:
            # Then every file is parsed, and problems in them are reported before the
            # database's refusal to store the course.
            return cls()

    def lesson(self, source_path, file_hash, is_index, text):
        """The LessonSource remembered for the file, or None when it must be parsed."""
        entry = self.remembered.get(source_path)
        if entry is None or (entry.file_hash, entry.is_index) != (file_hash, is_index):
            return None
        self.files[source_path] = entry
        fields = {**entry.fields, "source_path": source_path, "file_hash": file_hash}
        for name in TUPLE_FIELDS:
            fields[name] = _tuples(fields[name])
        return LessonSource(**fields, body=text[entry.body_start :])

    def remember(self, lesson, is_index, text):
        """Remember a lesson just parsed from the file whose whole `text` ends with its body."""
        fields = dict(vars(lesson))
        for name in ("source_path", "file_hash", "body"):
            del fields[name]
        body_start = len(text) - len(lesson.body)
        self.files[lesson.source_path] = Entry(lesson.file_hash, is_index, body_start, fields)

    @property
    def fresh(self):
        """The paths of the files this import parsed."""
        return [
            path for path, entry in self.files.items() if self.remembered.get(path) is not entry
        ]

    @property
    def gone(self):
        """The paths of files the last import read and this one did not."""
        return [path for path in self.remembered if path not in self.files]

    @property
    def changed(self):
        return bool(self.fresh or self.gone)

    def save(self, course):
        """Store what this import parsed, and forget the files it did not read. Run after the
        switch, a batch per statement: a memo only says what some bytes parse to, so one not
        stored costs the next import a parse, and learners' writes never wait for memos."""
        fresh, gone = self.fresh, self.gone
        if not (fresh or gone):
            return
        memos = ImportMemo.objects.filter(course=course)
        if not self.remembered:  # none, or only what other importer code wrote
            memos.exclude(recipe=recipe()).delete()
        for start in range(0, len(gone), MEMO_BATCH):
            memos.filter(source_path__in=gone[start : start + MEMO_BATCH]).delete()
        for start in range(0, len(fresh), MEMO_BATCH):
            ImportMemo.objects.bulk_create(
                [
                    ImportMemo(
                        course=course,
                        source_path=path,
                        recipe=recipe(),
                        **self.files[path]._asdict(),
                    )
                    for path in fresh[start : start + MEMO_BATCH]
                ],
                update_conflicts=True,
                unique_fields=("course", "source_path"),
                update_fields=(*Entry._fields, "recipe"),
            )


def _tuples(value):
    return tuple(_tuples(item) if isinstance(item, list) else item for item in value)
