"""What an import says: one CourseReport per course, and ContentError for a course that
cannot be imported (one line per problem, each naming the file and line)."""

import unicodedata
from dataclasses import dataclass, field


class ContentError(Exception):
    """A course that cannot be imported. `errors` holds one line per problem, each
    naming the file (and line)."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass
class CourseReport:
    course: str
    source_dir: str
    dry_run: bool = False
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    archived: list = field(default_factory=list)
    restored: list = field(default_factory=list)
    pruned: list = field(default_factory=list)
    kept_admin_edits: list = field(default_factory=list)
    broken_links: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def summary(self):
        counts = [
            f"{len(self.created)} created",
            f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.archived)} archived",
        ]
        if self.restored:
            counts.append(f"{len(self.restored)} restored")
        if self.pruned:
            counts.append(f"{len(self.pruned)} pruned")
        if self.kept_admin_edits:
            counts.append(f"{len(self.kept_admin_edits)} kept admin edits")
        counts.append(f"{len(self.broken_links)} broken links")
        prefix = "(dry run) " if self.dry_run else ""
        return f"{prefix}{self.course}: " + ", ".join(counts)


def printable(line):
    """`line` with control and format characters (newlines, escapes, bidi overrides) written
    as escapes, so that a file's name can never break a report line or forge another."""
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) in ("Cc", "Cf")
        else char
        for char in line
    )
