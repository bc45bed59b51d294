"""What the last import read from each lesson file of a course, so that the next import
parses only the files whose bytes changed (an unchanged re-import reads and hashes every
file, and parses none).

A file's entry holds the LessonSource read from it, without its body but with where the body
starts in the file's text. It is used only for a file with the same path, the same hash and
the same place as its folder's own page (which depends on the files beside it), and only by
the importer code that wrote it: the render key's recipe changes with any of that code."""

from django.db import DatabaseError

from courses.importing.recipe import recipe
from courses.importing.records import LessonSource
from courses.models import ImportMemo

# Fields that JSON gives back as lists of lists.
TUPLE_FIELDS = ("tags", "body_links")


class Memo:
    def __init__(self, files=None):
        self.remembered = files or {}
        self.files = {}

    @classmethod
    def load(cls, course_slug):
        memo = ImportMemo.objects.filter(course__slug=course_slug, recipe=recipe())
        try:
            return cls(memo.values_list("files", flat=True).first())
        except DatabaseError:
            # Then every file is parsed, and problems in them are reported before the
            # database's refusal to store the course.
            return cls()

    def lesson(self, source_path, file_hash, is_index, text):
        """The LessonSource remembered for the file, or None when it must be parsed."""
        entry = self.remembered.get(source_path)
        if entry is None or (entry["file_hash"], entry["is_index"]) != (file_hash, is_index):
            return None
        self.files[source_path] = entry
        fields = {**entry["fields"], "source_path": source_path, "file_hash": file_hash}
        for name in TUPLE_FIELDS:
            fields[name] = _tuples(fields[name])
        return LessonSource(**fields, body=text[entry["body_start"] :])

    def remember(self, lesson, is_index, text):
        """Remember a lesson just parsed from the file whose whole `text` ends with its body."""
        fields = dict(vars(lesson))
        for name in ("source_path", "file_hash", "body"):
            del fields[name]
        self.files[lesson.source_path] = {
            "file_hash": lesson.file_hash,
            "is_index": is_index,
            "body_start": len(text) - len(lesson.body),
            "fields": fields,
        }

    @property
    def changed(self):
        return self.files != self.remembered

    def save(self, course):
        """Store what this import read, in the import's switch transaction."""
        if not self.changed:
            return
        values = {"recipe": recipe(), "files": self.files}
        if not ImportMemo.objects.filter(course=course).update(**values):
            ImportMemo.objects.create(course=course, **values)


def _tuples(value):
    return tuple(_tuples(item) if isinstance(item, list) else item for item in value)
