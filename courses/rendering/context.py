"""What one render call brings and gathers: its callbacks, the source it reads the line
of each problem from, the problems found, the toc and the task items."""

import bisect
import re
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str
    kind: Literal["broken_link", "warning"] = "warning"


LINK_TARGET_OPENERS = ("(", "<", ":", "=", '"', "'")


class Context:
    """What one render call brings: callbacks, the source for line numbers, problems."""

    def __init__(self, text, first_line, resolve_link, resolve_image):
        self.text = text
        self.first_line = first_line
        self.resolve_link = resolve_link
        self.resolve_image = resolve_image
        self.problems = []
        self.toc = []
        self.checkboxes = None  # the task items, found by courses.rendering.tasklists
        self._after = {}  # target -> where its last mention ended
        self._cursor = 0  # where the last mention of any target ended
        self._newlines = None

    def line_of(self, target):
        """The file line of the next mention of `target` as a link or image target. Links
        are met in document order, so the search goes on from the last mention found, which
        keeps it linear."""
        after = self._after.get(target, 0)
        for start in (max(after, self._cursor), after, 0):
            position = self._mention(target, start)
            if position >= 0:
                break
        else:
            return None
        self._after[target] = self._cursor = position + len(target)
        if self._newlines is None:
            self._newlines = [match.start() for match in re.finditer("\n", self.text)]
        return self.first_line + bisect.bisect_left(self._newlines, position)

    def _mention(self, target, start):
        """Where `target` next stands as a link target (`](x`, `]: x`, `<x>`, `src="x"`),
        not as a word of the text; else anywhere."""
        anywhere = position = self.text.find(target, start)
        while position >= 0:
            before = self.text[max(0, position - 8) : position].rstrip(" \t")
            if before.endswith(LINK_TARGET_OPENERS):
                return position
            position = self.text.find(target, position + 1)
        return anywhere

    def problem(self, target, message, kind):
        self.problems.append(Problem(self.line_of(target), message, kind))
