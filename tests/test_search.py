import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string

from courses.models import Lesson, LessonBody
from courses.search import (
    MAX_QUERY_CHARS,
    WordMatcher,
    reader_text,
    search_lessons,
    search_words,
    snippet,
)
from tests.makers import (
    make_completions,
    make_course,
    make_course_with_lessons,
    make_lesson,
    make_section,
)
from tests.test_admin import save_lesson

SEARCH_URL = "/search/"
ADMIN_COURSE = Path(__file__).parent / "fixtures" / "admin-course"

HOSTILE_QUERIES = [
    '"',
    "'",
    '"unbalanced',
    "(((",
    "attention)",
    "AND",
    "OR NOT",
    "attention AND OR NOT",
    "NEAR(attention transformer, 2)",
    "*",
    "atten*",
    "-attention",
    "title:attention",
    "{title body}: attention",
    "^attention",
    "attention + transformer",
    "'); DROP TABLE courses_lesson; --",
    "%_%",
    "\\",
    "attention\x00transformer",
    "?!.,;:",
    "🙂🙂",
    "attention " * 500,
    "x" * 5000,
]


def titles(hits):
    return [hit.title for hit in hits]


def page_text(client, **params):
    response = client.get(SEARCH_URL, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def course(db):
    return make_course(slug="gen-ai", title="Generative AI")


@pytest.fixture
def section(course):
    return make_section(course, slug="attention", title="Attention and transformers")


# The function


def test_plural_query_finds_the_singular_by_stem(course, section):
    make_lesson(course, section, slug="arch", title="Architecture", body_markdown="A transformer.")
    make_lesson(course, section, slug="other", title="Other", body_markdown="Nothing here.")
    assert titles(search_lessons("transformers")) == ["Architecture"]
    assert titles(search_lessons("Transforming")) == ["Architecture"]


def test_title_hit_ranks_above_body_hits(course, section):
    make_lesson(
        course,
        section,
        slug="mentions",
        title="Mentions",
        order=0,
        body_markdown="Attention here, attention there, attention everywhere. " * 20,
    )
    make_lesson(course, section, slug="named", title="Attention", order=1, body_markdown="Short.")
    assert titles(search_lessons("attention")) == ["Attention", "Mentions"]


def test_every_word_must_match(course, section):
    make_lesson(
        course, section, slug="both", title="Both", body_markdown="Attention in a transformer."
    )
    make_lesson(course, section, slug="one", title="One", body_markdown="Attention alone.")
    assert titles(search_lessons("attention transformer")) == ["Both"]


def test_stop_words_are_ignored(course, section):
    make_lesson(course, section, slug="arch", title="Architecture", body_markdown="Transformer.")
    assert titles(search_lessons("what is a transformer")) == ["Architecture"]
    assert search_words("What IS a Transformer?") == ["transformer"]


def test_drafts_archived_and_unlisted_lessons_are_never_found(course, section):
    make_lesson(course, section, slug="listed", title="Listed tokens")
    make_lesson(course, section, slug="draft", title="Draft tokens", draft=True)
    make_lesson(course, section, slug="archived", title="Archived tokens", archived=True)
    make_lesson(course, section, slug="unlisted", title="Unlisted tokens", unlisted=True)
    assert titles(search_lessons("tokens")) == ["Listed tokens"]


def test_hits_carry_course_section_and_snippet(course, section):
    make_lesson(
        course, section, slug="arch", title="Arch", body_markdown="The **transformer** model."
    )
    [hit] = search_lessons("transformer")
    assert hit.course.id == course.pk
    assert hit.section_title == "Attention and transformers"
    assert hit.snippet == "The <mark>transformer</mark> model."


def test_snippet_shows_the_first_match_a_reader_reads_not_one_in_a_link(course, section):
    body = "See [the intro](./attention-intro.md).\n\n" + "Filler words here. " * 200
    body += "Attention at last. " + "More words follow. " * 20
    make_lesson(course, section, slug="a", title="A", body_markdown=body)
    [hit] = search_lessons("attention")
    assert hit.snippet.startswith(
        "… words here. Filler words here. Filler words here. <mark>Attention</mark> at last."
    )


def test_lessons_at_the_course_root_have_no_section_title(course):
    make_lesson(course, title="Root lesson")
    assert search_lessons("root")[0].section_title == ""


def test_scope_limits_hits_to_one_course(course, section):
    other = make_course(slug="other", title="Other course")
    make_lesson(course, section, slug="a", title="Embeddings here")
    make_lesson(other, slug="b", title="Embeddings there")
    assert titles(search_lessons("embeddings", course=other)) == ["Embeddings there"]
    assert len(search_lessons("embeddings")) == 2


def test_hits_are_grouped_under_each_courses_best_hit(db):
    first, second = (
        make_course(slug="first", title="First"),
        make_course(slug="second", title="Second"),
    )
    make_lesson(first, slug="a", title="Tokens", order=0)
    make_lesson(second, slug="b", title="Tokens and more tokens", order=0)
    make_lesson(first, slug="c", title="C", order=1, body_markdown="One mention of tokens.")
    courses = [hit.course.slug for hit in search_lessons("tokens")]
    assert courses in (["first", "first", "second"], ["second", "first", "first"])


@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=lambda query: ascii(query[:24]))
def test_hostile_queries_are_plain_words(course, section, query):
    make_lesson(course, section, slug="a", title="Attention", body_markdown="A transformer.")
    assert len(search_words(query)) <= 10
    list(search_lessons(query))


def test_query_without_words_finds_nothing(course, section):
    make_lesson(course, section)
    assert len(search_lessons("?!* ()")) == 0


# The index follows every way lessons are written


def test_index_follows_save_update_and_delete(course, section):
    lesson = make_lesson(course, section, slug="a", title="A", body_markdown="Old words.")
    assert titles(search_lessons("old")) == ["A"]

    lesson.body.markdown = "Fresh words."
    lesson.body.save()
    assert titles(search_lessons("fresh")) == ["A"]
    assert titles(search_lessons("old")) == []

    LessonBody.objects.filter(pk=lesson.body_id).update(title="Renamed")
    assert titles(search_lessons("renamed")) == ["A"]

    lesson.delete()
    assert titles(search_lessons("fresh")) == []


def test_a_body_written_ahead_is_found_once_a_lesson_shows_it(course, section):
    lessons = [
        make_lesson(course, section, slug=f"l{n}", title=f"L{n}", body_markdown="Tokenizers.")
        for n in range(3)
    ]
    ahead = LessonBody.objects.bulk_create(
        LessonBody(markdown="Embeddings map words to vectors.") for _ in lessons
    )
    assert len(search_lessons("tokenizer")) == 3
    assert len(search_lessons("embedding")) == 0

    for lesson, body in zip(lessons, ahead, strict=True):
        lesson.show(body)
    Lesson.objects.bulk_update(lessons, ["body", "content_hash"])
    assert len(search_lessons("tokenizer")) == 0
    assert len(search_lessons("embedding")) == 3


def test_index_follows_an_admin_edit_and_a_reimport(editor_client, tmp_path):
    folder = Path(shutil.copytree(ADMIN_COURSE, tmp_path / "admin-course"))
    call_command("import_content", str(folder), stdout=StringIO(), stderr=StringIO())
    assert titles(search_lessons("practice")) == ["Second steps"]

    welcome = Lesson.objects.get(doc_id="basics/welcome")
    save_lesson(editor_client, welcome, markdown="Gradient descent, explained.")
    assert titles(search_lessons("gradient")) == ["Welcome"]

    second = folder / "01-basics" / "02-second-steps.md"
    second.write_text(second.read_text().replace("Practice", "Backpropagation"))
    call_command("import_content", str(folder), stdout=StringIO(), stderr=StringIO())
    assert titles(search_lessons("practice")) == []
    assert titles(search_lessons("backpropagation")) == ["Second steps"]


def test_snippets_follow_an_admin_edit_and_a_reimport(editor_client, tmp_path):
    folder = Path(shutil.copytree(ADMIN_COURSE, tmp_path / "admin-course"))
    call_command("import_content", str(folder), stdout=StringIO(), stderr=StringIO())
    [hit] = search_lessons("practice")
    first_text = "The file&#x27;s own text of the second steps."
    assert hit.snippet == f"{first_text} · <mark>Practice</mark> · Try it yourself."

    second = Lesson.objects.get(doc_id="basics/second-steps")
    save_lesson(editor_client, second, markdown="## Practice\n\nSay **it** `aloud`.")
    [hit] = search_lessons("practice")
    assert hit.snippet == "<mark>Practice</mark> · Say it aloud."

    second_file = folder / "01-basics" / "02-second-steps.md"
    second_file.write_text(second_file.read_text().replace("yourself", "again"))
    call_command("import_content", str(folder), "--force", stdout=StringIO(), stderr=StringIO())
    [hit] = search_lessons("practice")
    assert hit.snippet == f"{first_text} · <mark>Practice</mark> · Try it again."


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_index_triggers_survive_every_migration(db):
    """Django rebuilds a SQLite table for most column changes, and its triggers go with it:
    a migration that alters LessonBody must recreate them (courses.search.SQLITE_INDEX)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master"
            " WHERE type = 'trigger' AND tbl_name = 'courses_lessonbody'"
        )
        triggers = {name for (name,) in cursor.fetchall()}
    assert triggers == {
        "courses_lessonbody_search_insert",
        "courses_lessonbody_search_update",
        "courses_lessonbody_search_delete",
    }


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_rebuild_recreates_a_lost_index_and_its_triggers(course, section):
    make_lesson(course, section, slug="a", title="Attention")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER courses_lessonbody_search_insert")
        cursor.execute("DELETE FROM courses_lessonbody_search")
    assert titles(search_lessons("attention")) == []

    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "Indexed 1 lessons." in out.getvalue()
    assert titles(search_lessons("attention")) == ["Attention"]
    make_lesson(course, section, slug="b", title="Attention again")
    assert len(search_lessons("attention")) == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_rebuild_on_postgresql_says_there_is_nothing_to_do(db):
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "nothing to rebuild" in out.getvalue()


# Snippets (no database)


def test_reader_text_drops_markup_and_keeps_what_a_reader_reads():
    markdown = (
        "# Heading\n\nSee [the guide](../05-x/guide.md#part) and ![a diagram](img/d.png).\n"
        '<div class="note">Boxed</div> **bold** snake_case <!-- hidden -->\n\n'
        "```python title=\"a.py\"\nprint('<b>')\n```\n\n"
        "- item\n\n:::tip Careful\nText `<i>`.\n:::\n"
    )
    text = reader_text(markdown)
    assert text == (
        "Heading · See the guide and a diagram. Boxed bold snake_case · print('<b>') · "
        "item · Careful · Text <i>."
    )


def test_reader_text_shows_where_headings_cells_and_items_end():
    markdown = (
        "## Two kinds\n| | Discriminative | Generative |\n|---|---|---|\n"
        "| Learns | *p(y \\| x)* | *p(x)* |\n\n1. first\n2. second\n   goes on\n\n"
        ":::warning[Mind the gap]\nText.\n:::\n\nA claim[^1].\n\n[^1]: The source."
    )
    assert reader_text(markdown) == (
        "Two kinds · Discriminative · Generative · Learns · p(y | x) · p(x) · first · "
        "second goes on · Mind the gap · Text. · A claim. · The source."
    )


def test_reader_text_leaves_no_space_before_punctuation():
    markdown = "The **loss**, the *rate* ; and ( `x` ) <b>bold</b>!"
    assert reader_text(markdown) == "The loss, the rate; and (x) bold!"


def test_reader_text_keeps_code_as_written():
    markdown = "Run `a | b` then:\n\n```sh\n# not a heading\nls **/*.md | wc -l ,\n```"
    assert reader_text(markdown) == "Run a | b then: · # not a heading ls **/*.md | wc -l ,"


def test_snippet_escapes_the_text_and_marks_matches_by_stem():
    text = "Never write <script>alert(1)</script> inside transformers & co."
    result = snippet(text, WordMatcher(["transformer", "script"]))
    assert result == (
        "Never write &lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; inside "
        "<mark>transformers</mark> &amp; co."
    )


def test_snippet_is_cut_around_the_first_match():
    text = " ".join(f"w{n}" for n in range(100)) + " attention " + "tail " * 100
    result = snippet(text, WordMatcher(["attention"]), size=10)
    assert result == "… w92 w93 w94 w95 w96 w97 w98 w99 <mark>attention</mark> tail …"


def test_snippet_marks_words_with_diacritics_folded():
    assert snippet("Café culture", WordMatcher(["cafe"])) == "<mark>Café</mark> culture"


# The page


def test_empty_query_shows_a_hint_without_searching(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        html = page_text(client, q="  ")
    assert "Type a word or two" in html


def test_page_lists_hits_with_section_link_and_marked_snippet(client, course, section):
    lesson = make_lesson(
        course, section, slug="arch", title="Architecture", body_markdown="Self-attention layers."
    )
    html = page_text(client, q="attention")
    assert "1 lesson match" in html
    assert f'href="{lesson.get_absolute_url()}">Architecture</a>' in html
    assert "Attention and transformers" in html
    assert "Self-<mark>attention</mark> layers." in html


def test_stored_html_and_markup_in_lessons_show_as_text(client, course, section):
    make_lesson(
        course,
        section,
        title="<b>Bold</b> attention",
        body_markdown="Type `<script>alert(1)</script>` to test attention.",
        body_html="<script>alert(1)</script>",
    )
    html = page_text(client, q="attention")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Bold&lt;/b&gt; attention</a>" in html


# A NUL byte in any query string is a 400 before search sees it (test_malformed_requests).
@pytest.mark.parametrize(
    "query", [q for q in HOSTILE_QUERIES if "\0" not in q], ids=lambda query: ascii(query[:24])
)
def test_hostile_queries_answer_200(client, course, section, query):
    make_lesson(course, section, title="Attention")
    page_text(client, q=query)


def test_no_match_says_so(client, course, section):
    make_lesson(course, section)
    assert "No lessons match “nothing”" in page_text(client, q="nothing")


def test_results_are_paginated_twenty_a_page(client, course, section):
    for n in range(25):
        make_lesson(course, section, slug=f"l{n}", title=f"Lesson {n}", order=n)
    first = page_text(client, q="lesson")
    assert first.count("<h3>") == 20
    assert "25 lessons match" in first
    assert 'href="?q=lesson&amp;page=2">Next page</a>' in first
    second = page_text(client, q="lesson", page=2)
    assert second.count("<h3>") == 5
    assert "Previous page" in second
    assert page_text(client, q="lesson", page=999).count("<h3>") == 5
    assert page_text(client, q="lesson", page="nonsense").count("<h3>") == 20


def test_scoped_page_searches_one_course(client, course, section):
    other = make_course(slug="other", title="Other course")
    make_lesson(course, section, slug="a", title="Embeddings here")
    make_lesson(other, slug="b", title="Embeddings there")
    html = page_text(client, q="embeddings", course="other")
    assert "Embeddings there" in html
    assert "Embeddings here" not in html
    assert '<input type="hidden" name="course" value="other">' in html
    assert "Search all courses instead" in html


@pytest.mark.parametrize("scope", ["missing", "bad slug", "../x"])
def test_scope_to_an_unknown_course_is_404(client, db, scope):
    assert client.get(SEARCH_URL, {"q": "x", "course": scope}).status_code == 404


def test_signed_in_learner_sees_checkmarks_on_completed_hits(learner_client, learner, course):
    done = make_lesson(course, slug="done", title="Done attention", order=0)
    make_lesson(course, slug="open", title="Open attention", order=1)
    make_completions(learner, [done])
    html = page_text(learner_client, q="attention")
    assert html.count("(completed)") == 1
    assert html.index("(completed)") < html.index("Open attention")


def test_page_makes_a_fixed_number_of_queries(
    learner_client, learner, db, django_assert_max_num_queries
):
    for slug in ("one", "two", "three"):
        course = make_course(slug=slug, title=slug.title())
        section = make_section(course)
        lessons = [
            make_lesson(course, section, slug=f"l{n}", title=f"Query lesson {n}", order=n)
            for n in range(10)
        ]
        make_completions(learner, lessons[:3])
    # Session, user, ranked ids, the page's lessons, the learner's completions.
    with django_assert_max_num_queries(5):
        page_text(learner_client, q="query lesson")
    with django_assert_max_num_queries(6):
        page_text(learner_client, q="query lesson", course="two", page=1)


def test_very_long_query_is_shown_cut(client, db):
    html = page_text(client, q="a" * 1000)
    assert f'name="q" value="{"a" * MAX_QUERY_CHARS}">' in html


def test_every_page_has_the_header_search_box(client, db):
    html = client.get("/").content.decode()
    assert (
        '<form class="site-search" role="search" aria-label="Site" method="get" action="/search/">'
    ) in html
    assert 'id="site-search-q" name="q" placeholder="Search lessons" value="">' in html


def test_the_query_stays_in_the_header_search_box(client, course, section):
    html = page_text(client, q='tokens "and" <b>')
    query = "tokens &quot;and&quot; &lt;b&gt;"
    assert f'id="site-search-q" name="q" placeholder="Search lessons" value="{query}">' in html


def test_the_header_and_page_search_landmarks_have_different_names(client, course, section):
    html = page_text(client, q="tokens", course=course.slug)
    assert 'role="search" aria-label="Site"' in html
    assert 'role="search" aria-labelledby="search-q-label"' in html
    assert '<label id="search-q-label" for="search-q">Search this course</label>' in html


def test_search_requires_sign_in_when_lessons_do(client, db, settings):
    settings.LESSONS_REQUIRE_LOGIN = True
    response = client.get(SEARCH_URL, {"q": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_course_scope_form_searches_that_course(course):
    html = render_to_string("courses/_search_form.html", {"course": course})
    assert '<input type="hidden" name="course" value="gen-ai">' in html
    assert "Search this course" in html


def test_course_page_offers_a_search_scoped_to_the_course(client, db):
    course = make_course_with_lessons(count=2, slug="scoped")
    response = client.get(course.get_absolute_url())
    label = b'<label id="search-q-label" for="search-q">Search this course</label>'
    assert label in response.content
    assert b'name="course" value="scoped"' in response.content
