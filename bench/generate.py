"""Generate benchmark content: Docusaurus-format courses of any size, and learners.

A generated course looks like `content/generative-ai/`: numbered section folders with
`_category_.json`, some section intro pages (`index.md`), a nested folder now and then,
and lessons of 3-6 KB with frontmatter, headings, lists, a table, a titled code block
with highlighted lines, an admonition, a footnote and relative links to other lessons.
The text is pseudo-random but deterministic, so every run measures the same files.

    python bench/generate.py OUT_DIR [LESSONS ...]   # writes OUT_DIR/bench-<n>/
"""

import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

LESSONS_PER_SECTION = 20
# Every lesson is about one topic; "transformer" is one of them, and other lessons mention
# "transformers" now and then, so in a 1,000-lesson course a search for it finds about 40
# lessons by title and about 250 more by a word in the body.
TOPICS = (
    "attention", "tokenizer", "embedding", "transformer", "gradient", "optimizer", "decoder",
    "encoder", "sampling", "perplexity", "retrieval", "prompting", "evaluation", "alignment",
    "quantization", "distillation", "inference", "batching", "caching", "pretraining",
    "regularization", "normalization", "activation", "benchmark", "dataset",
)  # fmt: skip
WORDS = (
    "model", "layer", "vector", "weight", "token", "sequence", "training", "loss", "value",
    "query", "key", "matrix", "probability", "context", "window", "output", "input", "step",
    "learning", "rate", "memory", "compute", "parameter", "network", "signal", "position",
    "head", "score", "softmax", "residual", "stream", "feature", "example", "label", "error",
    "distribution", "sample", "temperature", "budget", "latency", "throughput", "cost",
    "answer", "question", "document", "passage", "index", "chunk", "metric", "baseline",
    "result", "experiment", "the", "a", "of", "to", "and", "in", "is", "that", "for", "with",
    "each", "every", "this", "when", "more", "less", "than", "how", "why", "which", "uses",
    "makes", "keeps", "changes", "learns", "predicts", "reads", "writes", "combines", "shows",
)  # fmt: skip
ADMONITIONS = ("note", "tip", "info", "warning", "caution")


@dataclass(frozen=True)
class LessonFile:
    number: int
    folder: str  # path of its folder inside the course, "" for none
    name: str  # file name
    title: str
    topic: str

    @property
    def rel(self):
        return f"{self.folder}/{self.name}" if self.folder else self.name


def plan_course(lesson_count, rng):
    """Where each lesson goes: sections of about 20 lessons; every other section opens
    with an `index.md` intro page, and every tenth keeps its last lessons in a subfolder."""
    section_count = max(1, -(-lesson_count // LESSONS_PER_SECTION))
    lessons, sections = [], []
    for number in range(lesson_count):
        section = number * section_count // lesson_count
        folder = f"{section + 1:02d}-part-{section + 1}"
        if not sections or sections[-1][0] != folder:
            sections.append((folder, section, number))
        first_in_section = sections[-1][2]
        place = number - first_in_section
        topic = rng.choice(TOPICS)
        title = f"{topic.title()} {rng.choice(WORDS)} {number + 1}"
        if place == 0 and section % 2 == 1:
            name = "index.md"
        else:
            name = f"{place + 1:02d}-{topic}-{number + 1}.md"
        if section % 10 == 9 and place >= LESSONS_PER_SECTION - 5:
            folder = f"{folder}/{LESSONS_PER_SECTION - 4:02d}-going-further"
        lessons.append(LessonFile(number, folder, name, title, topic))
    return [folder for folder, _, _ in sections], lessons


def _sentence(rng, topic):
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 18))]
    words[rng.randrange(len(words))] = topic
    if rng.random() < 0.005:
        words[rng.randrange(len(words))] = "transformers"
    return " ".join(words).capitalize() + "."


def _paragraph(rng, topic, sentences=(3, 6)):
    text = " ".join(_sentence(rng, topic) for _ in range(rng.randint(*sentences)))
    words = text.split(" ")
    for _ in range(2):
        at = rng.randrange(1, len(words) - 1)
        words[at] = rng.choice((f"**{words[at]}**", f"*{words[at]}*", f"`{words[at]}`"))
    return " ".join(words)


def _relative(from_lesson, to_lesson):
    if from_lesson.folder == to_lesson.folder:
        return f"./{to_lesson.name}"
    depth = from_lesson.folder.count("/") + 1 if from_lesson.folder else 0
    return "../" * depth + to_lesson.rel


def lesson_text(lesson, lessons, rng):
    """One lesson file: frontmatter and a 3-6 KB body."""
    topic = lesson.topic
    front = {
        "title": lesson.title,
        "description": _sentence(rng, topic),
        "sidebar_position": lesson.number % LESSONS_PER_SECTION + 1,
        "tags": sorted({topic, rng.choice(TOPICS)}),
    }
    lines = ["---"]
    lines += [f"{key}: {json.dumps(value)}" for key, value in front.items()]
    lines += ["---", "", _paragraph(rng, topic), ""]
    previous = lessons[lesson.number - 1] if lesson.number else None
    elsewhere = lessons[rng.randrange(len(lessons))]
    if previous is not None:
        lines += [
            f"This builds on [{previous.title}]({_relative(lesson, previous)}); see also "
            f"[{elsewhere.title}]({_relative(lesson, elsewhere)}#key-ideas).",
            "",
        ]
    lines += ["## Key ideas", "", _paragraph(rng, topic), ""]
    lines += [f"- {_sentence(rng, topic)}" for _ in range(rng.randint(3, 5))]
    lines += ["", f"### How {topic} works", "", _paragraph(rng, topic) + "[^source]", ""]
    lines += ["| Setting | Value | Effect |", "|---|---:|---|"]
    lines += [
        f"| {rng.choice(WORDS)} | {rng.randint(1, 4096)} | {_sentence(rng, topic)} |"
        for _ in range(rng.randint(3, 5))
    ]
    lines += ["", "## A worked example", "", _paragraph(rng, topic, (2, 4)), ""]
    lines += [f'```python title="{topic}_{lesson.number + 1}.py" {{2,4-5}}']
    lines += [
        f"def {topic}_step(values, scale={rng.randint(2, 9)}):",
        f'    """{_sentence(rng, topic)}"""',
        "    total = sum(value * scale for value in values)",
        "    return [value / total for value in values] if total else values",
        "",
        f"print({topic}_step([{rng.randint(1, 9)}, {rng.randint(1, 9)}, {rng.randint(1, 9)}]))",
        "```",
        "",
    ]
    kind = rng.choice(ADMONITIONS)
    lines += [f":::{kind} {topic.title()} in practice", _paragraph(rng, topic, (1, 3)), ":::", ""]
    lines += ["## Summary", "", _paragraph(rng, topic), ""]
    lines += [f"1. {_sentence(rng, topic)}" for _ in range(3)]
    lines += ["", f"[^source]: {_sentence(rng, topic)}", ""]
    return "\n".join(lines)


def write_course(parent, lesson_count, seed=1):
    """Write a course of `lesson_count` lessons to `parent/bench-<lesson_count>/`."""
    rng = random.Random(f"{seed}-{lesson_count}")
    root = Path(parent) / f"bench-{lesson_count}"
    section_folders, lessons = plan_course(lesson_count, rng)
    root.mkdir(parents=True, exist_ok=True)
    _write_category(root, f"Benchmark course ({lesson_count} lessons)", 1, rng)
    for position, folder in enumerate(section_folders, start=1):
        (root / folder).mkdir(exist_ok=True)
        _write_category(root / folder, f"Part {position}", position, rng)
    for lesson in lessons:
        path = root / lesson.rel
        if not path.parent.exists():
            path.parent.mkdir(parents=True)
            _write_category(path.parent, "Going further", LESSONS_PER_SECTION - 4, rng)
        path.write_text(lesson_text(lesson, lessons, rng), encoding="utf-8")
    return root


def _write_category(folder, label, position, rng):
    category = {
        "label": label,
        "position": position,
        "description": _sentence(rng, rng.choice(TOPICS)),
    }
    (folder / "_category_.json").write_text(json.dumps(category, indent=2), encoding="utf-8")


def make_learner(username, course, completed_count):
    """A learner (password "bench-password") who completed the first `completed_count`
    listed lessons of `course`, read in their current version. Needs Django set up."""
    from courses.models import Lesson
    from learners.models import Completion, Enrollment, User

    user = User.objects.create_user(username, f"{username}@example.com", "bench-password")
    lessons = list(Lesson.objects.listed().filter(course=course).order_by("order"))
    done = lessons[:completed_count]
    Completion.objects.bulk_create(
        Completion(user=user, lesson=lesson, course=course, content_hash=lesson.content_hash)
        for lesson in done
    )
    if done:
        Enrollment.objects.create(user=user, course=course)
    return user


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for count in [int(n) for n in sys.argv[2:]] or [10, 100, 1000]:
        print(write_course(sys.argv[1], count))
