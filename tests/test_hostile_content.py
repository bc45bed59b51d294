"""Whatever an author writes, the rendered lesson carries no script, no event handler and
no script-capable URL. Checked by parsing the output, not by searching it for strings."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from courses.rendering import render_markdown
from tests.hostile_payloads import HOSTILE, VIDEO_HOSTS, dangers


def _render(text):
    return render_markdown(
        text,
        resolve_link=lambda target: "/courses/c/lesson/",
        resolve_image=lambda src: "/courses/c/assets/abc/x.png",
        embed_hosts=VIDEO_HOSTS,
    ).html


def test_the_checker_spots_what_it_looks_for():
    assert dangers('<a href=" JaVa\tScript:x">x</a><img src=x onerror=y><script></script>') == [
        "a[href=' JaVa\\tScript:x']",
        "img[onerror]",
        "<script>",
    ]


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_payload_leaves_nothing_that_can_run(payload):
    assert dangers(_render(payload)) == []


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_payload_is_defused_inside_a_real_lesson(payload):
    lesson = f"## Intro\n\nSome text.\n\n{payload}\n\n- a list\n\n:::note\n{payload}\n:::\n"
    assert dangers(_render(lesson)) == []


def test_the_checker_lets_only_sandboxed_video_frames_through():
    video = "https://www.youtube.com/embed/x"
    assert dangers(f'<iframe src="{video}" sandbox="allow-scripts"></iframe>') == []
    assert dangers(f'<iframe src="{video}"></iframe>') == ["<iframe>"]
    assert dangers(f'<iframe src="{video}" sandbox="allow-top-navigation"></iframe>') == [
        "<iframe>"
    ]
    assert dangers('<iframe src="https://evil.example/" sandbox=""></iframe>') == ["<iframe>"]


def test_the_corpus_has_at_least_thirty_payloads():
    assert len(HOSTILE) >= 30


MARKDOWN_PIECES = [
    "\n",
    "\n\n",
    "# ",
    "## ",
    "- ",
    "  - ",
    "1. ",
    "> ",
    "*",
    "**",
    "`",
    "```\n",
    '```py title="x" {1}\n',
    ":::tip ",
    ":::note[",
    "]",
    "\n:::\n",
    "::::warning\n",
    "[",
    "](",
    ")",
    "![",
    "<",
    ">",
    '"',
    "'",
    "&",
    "&#x61;",
    "{",
    "}",
    "|",
    "[^1]",
    "[^1]: ",
    "- [ ] ",
    "./other.md",
    "#anchor",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=12),
            st.sampled_from(MARKDOWN_PIECES),
            st.sampled_from(list(HOSTILE.values())),
        ),
        max_size=25,
    )
)
def test_arbitrary_markdown_with_hostile_fragments_never_yields_runnable_html(pieces):
    assert dangers(_render("".join(pieces))) == []
