"""No lesson occupies a worker for long: shapes that Python-Markdown reads in quadratic time
render in linear time as text, and any render finishes within RENDER_TIME_LIMIT or is
refused. Renders run as the import and the admin run them, in a worker process."""

import html
import re
import sys
import time

import pytest
from django.conf import settings as django_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from courses.importing.workers import Stopped, run_jobs
from courses.rendering import Rendered, render_markdown
from courses.rendering.lines import MAX_BLOCKS
from tests.hostile_payloads import dangers

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the render time limit needs worker processes"
)

# What starting a worker and stopping it may add to the limit on a busy machine.
GRACE_SECONDS = 3

# Each was quadratic before it was bounded; the seconds are what 10,000 of them took then.
INLINE_SHAPES = [
    "[",  # 8.9 s
    "![",  # 17.7 s
    "[[",  # 11.4 s for 5,000
    "[a](",  # over 20 s
    "[a](<",  # 15.4 s for 5,000
    "[a](b ",  # 18.2 s for 5,000
    "[^",  # over 20 s
    "<a ",  # 5.6 s
    "<a href='",  # 17.5 s
    "<http",  # 1.3 s (5.8 s for 20,000)
]
OTHER_SHAPES = [
    "**a",
    "*a ",
    "` ",
    "``a",
    "[a]",
    "](",
    "<!--",
    "<b>",
    "</b>",
    "~~a",
    "\\",
    "a_",
    '[a](b "',
    "&#x61;",
    "{#",
    "|",
]
LINE_SHAPES = [
    "  - a\n",  # lists nested ever deeper (4.9 s for 5,000 lines)
    "> > > a\n",
    "1. a\n",
    "- [ ] a\n",
    "[ref]: https://example.com/a\n",
    "[^n]: note\n",
    "x[^n] ",
    "| a | b |\n",
    ":::note\n",
    "## h\n\n",
    "<div>\n",
    "```\n",
]


def render_in_a_worker(text):
    """The Rendered, or the Stopped, and the seconds it took."""
    started = time.monotonic()
    limit = django_settings.RENDER_TIME_LIMIT
    [outcome] = run_jobs(render_markdown, [text], workers=1, time_limit=limit)
    return outcome, time.monotonic() - started


def text_of(markup):
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


@pytest.mark.parametrize("shape", INLINE_SHAPES)
def test_a_paragraph_of_ten_thousand_unclosed_openers_renders_as_its_text(shape):
    outcome, _ = render_in_a_worker(shape * 10_000)
    assert isinstance(outcome, Rendered)
    assert text_of(outcome.html).strip() == (shape * 10_000).strip()


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(INLINE_SHAPES + OTHER_SHAPES + LINE_SHAPES),
            st.integers(min_value=1, max_value=10_000),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_pathological_markdown_renders_within_the_limit_or_is_refused_cleanly(pieces):
    text = "".join(shape * count for shape, count in pieces)
    outcome, seconds = render_in_a_worker(text)
    assert seconds < django_settings.RENDER_TIME_LIMIT + GRACE_SECONDS
    assert isinstance(outcome, Stopped | Rendered)
    if isinstance(outcome, Rendered):
        assert dangers(outcome.html) == []


BLOCKS = {
    "admonition": ("", ":::note\n\nText.\n\n:::\n\n", "", "<aside"),
    "tab": (
        "<Tabs>\n",
        '<TabItem value="t" label="T">\n\nText.\n\n</TabItem>\n',
        "</Tabs>\n",
        "<details",
    ),
}


@pytest.mark.parametrize("kind", BLOCKS)
def test_thousands_of_blocks_render_the_first_few_hundred_and_the_rest_as_text(kind):
    # pymdownx blocks cost time that grows with the blocks before them: 6,000 took 11 s.
    start, block, end, tag = BLOCKS[kind]
    outcome, _ = render_in_a_worker(start + block * 6000 + end)
    assert isinstance(outcome, Rendered)
    assert outcome.html.count(tag) == MAX_BLOCKS
    assert outcome.html.count("Text.") == 6000
    warnings = [problem.message for problem in outcome.problems if "are text" in problem.message]
    assert warnings == [f"more than {MAX_BLOCKS} admonitions and tabs; the rest are text"]
