"""Rendering lessons for an import: what decides a lesson's stored HTML (its render key),
one lesson's render with its problems as report lines, and many lessons rendered in worker
processes with a time limit each."""

import hashlib
import json
import os
import posixpath
from dataclasses import dataclass
from functools import cache, partial

from django.conf import settings

from courses import rendering, search
from courses.importing.links import Resolver, docusaurus_url
from courses.importing.recipe import recipe
from courses.importing.tree import split_leading_title
from courses.importing.workers import Stopped, run_jobs
from courses.models import content_hash
from courses.rendering.embeds import IFRAME_START


def toc_levels_of(meta):
    return (
        meta.get("toc_min_heading_level", 2),
        meta.get("toc_max_heading_level", 3),
    )


def render_body(body, *, base_dir, page_url, links, first_line=1, meta=None):
    """Render a lesson body (its leading title left out) with links resolved through
    `links`, as written in a file in `base_dir` and served at the Docusaurus URL `page_url`;
    `meta` (the lesson's other front matter) gives its toc levels and what MDX's
    `{frontMatter.x}` reads. Returns the Rendered and the set of link targets that leave
    the course."""
    meta = meta or {}
    toc_levels = toc_levels_of(meta)
    _, text = split_leading_title(body)
    resolver = Resolver(links, base_dir, page_url)
    rendered = rendering.render_markdown(
        text,
        resolve_link=resolver.link,
        resolve_image=resolver.image,
        first_line=first_line,
        toc_min_level=toc_levels[0],
        toc_max_level=toc_levels[1],
        embed_hosts=settings.EMBED_HOSTS,
        front_matter=meta,
    )
    return rendered, set(resolver.escaping)


def render_key(lesson, links):
    """The lesson's source_hash: its file, its place in the course, its URL and every link
    target it may name. Every field the import writes follows from these, so an unchanged
    key means the row needs neither rendering nor rewriting."""
    parts = [recipe(), lesson.file_hash, lesson.source_path, lesson.path, links.course_slug]
    parts.append(lesson.section_path or "")
    if IFRAME_START.search(lesson.body):
        parts.append(" ".join(sorted(settings.EMBED_HOSTS)))
    page_url = docusaurus_url(lesson.path, lesson.section_path)
    parts.append(json.dumps(links.dependencies(lesson.body_links, page_url)))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@dataclass
class Render:
    key: str
    html: str
    toc: list
    text: str
    content_hash: str
    broken_links: list
    warnings: list
    errors: list


def render_source(lesson, links, key, where):
    rendered, escaping = render_body(
        lesson.body,
        base_dir=posixpath.dirname(lesson.source_path),
        page_url=docusaurus_url(lesson.path, lesson.section_path),
        links=links,
        first_line=lesson.first_line,
        meta=lesson.meta,
    )
    text = search.reader_text(lesson.body)
    digest = content_hash(lesson.body)
    result = Render(key, rendered.html, list(rendered.toc), text, digest, [], [], [])
    for problem in rendered.problems:
        line = f"{where}:{problem.line}" if problem.line else where
        target = _problem_target(problem.message)
        if target in escaping and problem.message.startswith(TARGET_PROBLEMS):
            # As Docusaurus sees it, a broken link: the course serves nothing out there.
            result.broken_links.append(f"{line} -> {target} (outside the course folder)")
        elif problem.kind == "broken_link":
            result.broken_links.append(f"{line} -> {target}")
        else:
            result.warnings.append(f"{line}: {problem.message}")
    return result


def _refused(key, where, stopped):
    """The Render of a lesson whose rendering was stopped: one error line naming its file."""
    message = f"{where}: refused: rendering stopped because {stopped.reason}"
    return Render(key, "", [], "", "", [], [], [message])


# From this many lessons to render, rendering is shared out to one worker process per core.
PARALLEL_RENDER_FROM = 64
# An import renders on every core of a machine that also serves learners: its renders give way
# to their requests (the import's own writes, kept short, run at normal priority).
RENDER_NICENESS = 10


# Workers are forked from this process, so what it has imported and built they start with.
WARM_UP_LESSON = """Text with a [link](x.md) and a footnote[^1].

| a | b |
|---|---|
| 1 | 2 |

:::tip Title
- [ ] task
:::

```python title="x.py" {1}
x = 1
```

[^1]: Note.
"""


@cache
def warm_up_renderer():
    """Render a small lesson once in this process, so that every worker forked from it starts
    with the renderer's lazy imports (Pygments, the Markdown extensions) done: a worker's first
    render costs about 50 ms more otherwise."""
    rendering.render_markdown(WARM_UP_LESSON)


def render_all(jobs, links):
    """The Render of each (lesson, render key, where) job, in order. Each lesson renders in
    a worker process (one per CPU core for a large batch, rendering being most of an
    import's time), which is stopped after RENDER_TIME_LIMIT seconds: that lesson is refused
    and the others go on."""
    warm_up_renderer()
    outcomes = run_jobs(
        partial(_render_job, links),
        jobs,
        workers=_render_workers(len(jobs)),
        time_limit=settings.RENDER_TIME_LIMIT,
        niceness=RENDER_NICENESS,
    )
    for (_, key, where), outcome in zip(jobs, outcomes, strict=True):
        yield _refused(key, where, outcome) if isinstance(outcome, Stopped) else outcome


def _render_workers(lesson_count):
    if lesson_count < PARALLEL_RENDER_FROM or not hasattr(os, "sched_getaffinity"):
        return 1
    return min(len(os.sched_getaffinity(0)), lesson_count // 16)


def _render_job(links, job):
    lesson, key, where = job
    return render_source(lesson, links, key, where)


# The renderer says "broken link: <target>" and "image not found: <target>".
TARGET_PROBLEMS = ("broken link: ", "image not found: ")


def _problem_target(message):
    """The target a problem names; the report shows just the target."""
    return message.split(": ", 1)[-1]
