"""Full-text search over lessons, on SQLite and on PostgreSQL, behind `search_lessons`.

The index lives beside the ORM model, not in it (migration 0006 creates it), and indexes
lesson bodies (`LessonBody`: title, description and Markdown); a lesson is found through the
body it shows, so a body an import writes ahead is found only once the import switches to it.
- SQLite: the FTS5 table `courses_lessonbody_search` (Porter stemming), kept in step with
  `courses_lessonbody` by triggers, so every write (save, bulk_create, raw SQL) updates it.
  `rebuild_search_index` recreates table, triggers and contents.
- PostgreSQL: `courses_lessonbody.search_vector`, a generated tsvector column (title weighted
  A, description B, body C) with a GIN index; it can never fall behind.

Both index the Markdown source (the tokenizers skip its punctuation). Snippets are cut and
highlighted here in Python, so both databases show the same escaped text and <mark>s, from
`LessonBody.text`: the Markdown as a reader reads it (`reader_text`), stored at save and import.
"""

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import islice

import snowballstemmer
from django.db import NotSupportedError, connection, transaction
from django.db.models.expressions import RawSQL
from django.utils.safestring import mark_safe

from courses.models import Course, Lesson, LessonBody, Section, course_url, lesson_url
from courses.rendering.mdx import ESM_START

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 10
SNIPPET_WORDS = 32
SNIPPET_WORDS_BEFORE_MATCH = 8

# Letters and digits, as both databases' tokenizers split words; everything else in a query
# (quotes, brackets, *, -, :, ^) is a separator, so no query can speak FTS syntax.
WORD = re.compile(r"[^\W_]+")

# PostgreSQL's english stop words (Snowball's list): plainto_tsquery drops them, and SQLite
# drops them too, so "what is a transformer" finds the same lessons on both.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against between
    into through during before after above below to from up down in out on off over under again
    further then once here there when where why how all any both each few more most other some
    such no nor not only own same so than too very s t can will just don should now
    """.split()  # noqa: SIM905 (a paragraph reads better than 127 quoted words)
)

# bm25 weights for the FTS5 columns (title, description, body): a title hit outranks body hits.
SQLITE_COLUMN_WEIGHTS = "10.0, 4.0, 1.0"
# ts_rank weights for labels D, C (body), B (description), A (title).
POSTGRES_LABEL_WEIGHTS = [0.05, 0.1, 0.4, 1.0]

# Indexed text is capped (same caps on both databases): a PostgreSQL tsvector holds at most
# 1 MB, and 100,000 characters is far beyond any real lesson.
SQLITE_INDEX = (
    """CREATE VIRTUAL TABLE courses_lessonbody_search USING fts5(
        title, description, body, tokenize = 'porter unicode61'
    )""",
    """CREATE TRIGGER courses_lessonbody_search_insert AFTER INSERT ON courses_lessonbody BEGIN
        INSERT INTO courses_lessonbody_search (rowid, title, description, body) VALUES (
            new.id, new.title, substr(new.description, 1, 10000), substr(new.markdown, 1, 100000)
        );
    END""",
    """CREATE TRIGGER courses_lessonbody_search_update
    AFTER UPDATE OF title, description, markdown ON courses_lessonbody BEGIN
        DELETE FROM courses_lessonbody_search WHERE rowid = old.id;
        INSERT INTO courses_lessonbody_search (rowid, title, description, body) VALUES (
            new.id, new.title, substr(new.description, 1, 10000), substr(new.markdown, 1, 100000)
        );
    END""",
    """CREATE TRIGGER courses_lessonbody_search_delete AFTER DELETE ON courses_lessonbody BEGIN
        DELETE FROM courses_lessonbody_search WHERE rowid = old.id;
    END""",
    """INSERT INTO courses_lessonbody_search (rowid, title, description, body)
    SELECT id, title, substr(description, 1, 10000), substr(markdown, 1, 100000)
    FROM courses_lessonbody""",
)
SQLITE_DROP_INDEX = (
    "DROP TRIGGER IF EXISTS courses_lessonbody_search_insert",
    "DROP TRIGGER IF EXISTS courses_lessonbody_search_update",
    "DROP TRIGGER IF EXISTS courses_lessonbody_search_delete",
    "DROP TABLE IF EXISTS courses_lessonbody_search",
)

# Code (fenced blocks, inline spans) is text a reader reads, tags written in it included;
# outside code, HTML/JSX tags, comments and MDX imports and exports (to the next blank line)
# are markup. One pass, so each is seen once. Every alternative starts with a character (a
# line's with the newline before it, given back), so the engine jumps from one to the next.
CODE_OR_MARKUP = re.compile(
    r"\n^\ {0,3}(?P<fence>`{3,}|~{3,})[^\n]*\n(?P<block>.*?)(?:^\ {0,3}(?P=fence)[^\n]*$|\Z)"
    r"|`(?P<ticks>`*)(?P<span>.+?)`(?P=ticks)"
    r"|<!--.*?-->"
    r"|</?[A-Za-z][^>]*>"
    rf"|\n{ESM_START.pattern}[^\n]*(?:\n[^\S\n]*\S[^\n]*)*",
    re.MULTILINE | re.DOTALL,
)
# Code is set aside as a numbered placeholder while the Markdown around it is read, so that
# nothing below touches it; NUL never survives into the text (reader_text drops it first).
CODE_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
# Where one block of text ends and the next begins: a blank line, as in Markdown.
BREAK = "\n\n"
BLOCKS = re.compile(r"\n[ \t]*\n")
BLOCK_SEPARATOR = " · "
# Markdown's line-start syntax, in one pass: each block it begins or ends gets a BREAK.
LINE_START = re.compile(
    r"""^(?:
      [ \t]*:{3,}[\w-]*(?:\[(?P<bracket>[^\]\n]*)\])?[ \t]*(?P<admonition>.*)$
    | \[\^[^\]\s]*\]:
    | (?P<definition>[ \t]*\[[^\]]+\]:\s.*)$
    | \ {0,3}\#{1,6}[ \t]+(?P<heading>.*?)(?:[ \t]+\#+)?(?:[ \t]*\{\#[^}\n]*\})?[ \t]*$
    | [ \t]*(?:[-*+]|\d+[.)])(?=\s)
    | (?P<quote>[ \t]*>+)
    | [ \t|:=*_-]*$
    )""",
    re.MULTILINE | re.VERBOSE,
)
# The rest of Markdown's syntax, within lines, turned into the text a reader sees.
# (Each pattern starts with the characters it can start with, not with an optional one or a
# look-behind: then the engine jumps from one such character to the next, several times faster.)
INLINE_TO_TEXT = [
    (re.compile(r"\[\^[^\]\s]*\]"), ""),
    (re.compile(r"(?:!\[|\[)([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(?:!\[|\[)([^\]]*)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"\[[ xX]\]\s"), " "),
    (re.compile(r"\|(?<!\\\|)"), BREAK),  # table cells
    # The lookahead only skips, fast, the places where no alternative can start.
    (re.compile(r"(?=[*~_])(?:[*~]+|\b_+|_+\b)"), ""),
    (re.compile(r"\\(?=[^\w\s])"), ""),
]
# Once whitespace is collapsed, a space left before punctuation or inside brackets was
# markup's (an emphasis mark, a footnote, a tag) and goes.
TIGHTENED = [(f" {mark}", mark) for mark in ",.;:!?)]}"] + [(f"{mark} ", mark) for mark in "([{"]


# Words whose stems each process remembers: a course uses the same words again and again.
STEMS_KEPT = 20_000


@dataclass(frozen=True)
class HitCourse:
    id: int
    slug: str
    title: str
    url: str


@dataclass(frozen=True)
class Hit:
    lesson_id: int
    title: str
    url: str
    course: HitCourse
    section_title: str
    snippet: str


class SearchResults:
    """The ranked hits of one search. Slicing fetches just the hits asked for (one query),
    so a Paginator pages through it at a fixed cost per page."""

    def __init__(self, lesson_ids, words):
        self.lesson_ids = lesson_ids
        self.words = words

    def __len__(self):
        return len(self.lesson_ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return fetch_hits(self.lesson_ids[index], self.words)
        return fetch_hits([self.lesson_ids[index]], self.words)[0]

    def __iter__(self):
        return iter(self[:])


def search_lessons(query, course=None):
    """Listed, published lessons matching every word of `query` (by English stem), best first,
    each course's hits together under its best one; optionally within one `course`."""
    words = search_words(query)
    if not words:
        return SearchResults([], words)
    if connection.vendor == "sqlite":
        ranked = sqlite_ranked(words, course)
    elif connection.vendor == "postgresql":
        lessons = Lesson.objects.listed()
        if course is not None:
            lessons = lessons.filter(course=course)
        ranked = postgres_ranked(words, lessons)
    else:
        raise NotSupportedError("Lesson search needs SQLite or PostgreSQL.")
    return SearchResults(grouped_by_course(ranked), words)


def search_words(query):
    """The plain words of a query, lowercased, stop words dropped, length and count capped."""
    words = WORD.findall(query[:MAX_QUERY_CHARS].lower())
    return [word for word in words if word not in STOP_WORDS][:MAX_QUERY_WORDS]


def sqlite_ranked(words, course=None):
    """[(lesson id, course id)] best first, from the FTS5 table."""
    # Each word is an FTS5 string: it holds no quote, so nothing in it is an operator.
    match = " ".join(f'"{word}"' for word in words)
    conditions, params = listed_conditions()
    if course is not None:
        conditions, params = (
            f"{conditions} AND courses_lesson.course_id = %s",
            [*params, course.pk],
        )
    # Interpolated: only that ORM-built SQL and constants; the user's words are a parameter.
    sql = (
        "SELECT courses_lesson.id, courses_lesson.course_id FROM courses_lessonbody_search"  # noqa: S608
        " JOIN courses_lesson INDEXED BY lesson_search_listing"
        " ON courses_lesson.body_id = courses_lessonbody_search.rowid"
        f" WHERE courses_lessonbody_search MATCH %s AND {conditions}"
        f" ORDER BY bm25(courses_lessonbody_search, {SQLITE_COLUMN_WEIGHTS}), courses_lesson.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, *params])
        return cursor.fetchall()


@cache
def listed_conditions():
    """The conditions of Lesson.objects.listed() as the ORM writes them in SQL, so "listed" is
    defined once; built once per process. They are checked on the matching lessons alone, in
    the index that holds what they read: SQLite's rows keep those columns behind the HTML."""
    lessons = Lesson.objects.listed()
    return lessons.query.get_compiler(connection=connection).compile(lessons.query.where)


def postgres_ranked(words, lessons):
    """[(lesson id, course id)] best first, from the bodies' generated search_vector column."""
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField

    vector = RawSQL("courses_lessonbody.search_vector", [], output_field=SearchVectorField())
    query = SearchQuery(" ".join(words), config="english", search_type="plain")
    return list(
        LessonBody.objects.filter(lesson__in=lessons)
        .alias(vector=vector)
        .filter(vector=query)
        .annotate(rank=SearchRank(vector, query, weights=POSTGRES_LABEL_WEIGHTS))
        .order_by("-rank", "lesson__id")
        .values_list("lesson__id", "lesson__course_id")
    )


def grouped_by_course(ranked):
    """Lesson ids in rank order, each course's lessons moved up to follow its best hit."""
    best_place = {}
    for place, (_, course_id) in enumerate(ranked):
        best_place.setdefault(course_id, place)
    return [lesson_id for lesson_id, course_id in sorted(ranked, key=lambda r: best_place[r[1]])]


def fetch_hits(lesson_ids, words):
    """Hits for `lesson_ids`, in that order, from one query.

    What a hit shows is read as plain values in plain SQL: building twenty lessons with their
    course, section and body through the ORM costs six times the database's work."""
    if not lesson_ids:
        return []
    lesson, course, body, section = (
        model._meta.db_table for model in (Lesson, Course, LessonBody, Section)
    )
    sql = (
        "SELECT lesson.id, lesson.path, lesson.title, lesson.description, body.text,"  # noqa: S608
        " course.id, course.slug, course.title, section.title"
        f" FROM {lesson} lesson JOIN {course} course ON course.id = lesson.course_id"
        f" JOIN {body} body ON body.id = lesson.body_id"
        f" LEFT JOIN {section} section ON section.id = lesson.section_id"
        f" WHERE lesson.id IN ({', '.join(['%s'] * len(lesson_ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(lesson_ids))
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    matcher = WordMatcher(words)
    hits = []
    for lesson_id in lesson_ids:
        if lesson_id not in rows:
            continue  # gone since it was found
        path, title, description, text, course_id, slug, course_title, section = rows[lesson_id]
        hits.append(
            Hit(
                lesson_id=lesson_id,
                title=title,
                url=lesson_url(slug, path),
                course=HitCourse(course_id, slug, course_title, course_url(slug)),
                section_title=section or "",
                snippet=lesson_snippet(text, description, matcher),
            )
        )
    return hits


class WordMatcher:
    """Tells whether a word of a text matches one of the query's words by English stem: by
    Snowball English as PostgreSQL stems, or by Porter as SQLite's FTS5 does."""

    def __init__(self, words):
        folded = [fold(word) for word in words]
        self.english_stems = {stems(word)[0] for word in folded}
        self.porter_stems = {stems(word)[1] for word in folded}
        # Both stemmers rewrite only endings: a word's stem, less its last two letters, always
        # begins the word. So only words that begin so need stemming, and each only once.
        self.prefixes = tuple({stem[:-2] for stem in self.english_stems | self.porter_stems})
        self.known = {}

    def matches(self, word):
        matched = self.known.get(word)
        if matched is None:
            matched = self.known[word] = self.stem_matches(fold(word))
        return matched

    def stem_matches(self, word):
        if not word.startswith(self.prefixes):
            return False
        english, porter = stems(word)
        return english in self.english_stems or porter in self.porter_stems


@lru_cache(maxsize=STEMS_KEPT)
def stems(word):
    """A folded word's English (Snowball) and Porter stems. Kept, since stemming costs some
    30 µs a word and searches meet the same words again and again. (A stemmer object keeps
    state while it stems, so each call has its own.)"""
    return (
        snowballstemmer.stemmer("english").stemWord(word),
        snowballstemmer.stemmer("porter").stemWord(word),
    )


def fold(word):
    """Lowercase without diacritics, as FTS5's unicode61 tokenizer compares words."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def reader_text(markdown):
    """The text a reader reads in a Markdown body: code as written, link text without URLs,
    no tags, no heading, list, emphasis or fence marks, whitespace collapsed, no space before
    punctuation, and " · " where one block (paragraph, heading, list item, table cell, code
    block) ends and the next begins."""
    code = []

    def set_code_aside(match):
        newline = "\n" if match[0].startswith("\n") else ""
        if match["block"] is not None:
            code.append(" ".join(match["block"].split()))
            return f"{newline}{BREAK}\x00{len(code) - 1}\x00{BREAK}"
        if match["span"] is not None:
            code.append(match["span"].strip())
            return f"\x00{len(code) - 1}\x00"
        return f"{newline} "

    # A newline before the first line, as before every other, then taken off.
    text = CODE_OR_MARKUP.sub(set_code_aside, "\n" + markdown.replace("\x00", ""))[1:]
    text = LINE_START.sub(line_start_text, text)
    for pattern, replacement in INLINE_TO_TEXT:
        text = pattern.sub(replacement, text)
    blocks = (" ".join(html.unescape(block).split()) for block in BLOCKS.split(text))
    text = BLOCK_SEPARATOR.join(block for block in blocks if block)
    for spaced, tight in TIGHTENED:
        text = text.replace(spaced, tight)
    return CODE_PLACEHOLDER.sub(lambda match: code[int(match[1])], text) if code else text


def line_start_text(match):
    """What a reader sees of one line-start mark: a heading's or an admonition's title as a
    block of its own, a quoted line's text, and a block break for the rest."""
    if match["quote"] is not None:
        return " "
    if match["definition"] is not None:
        return BREAK
    title = match["heading"] or match["bracket"] or match["admonition"] or ""
    return f"{BREAK}{title}{BREAK}"


def lesson_snippet(body_text, description, matcher):
    """A snippet from where the lesson matches: its body's text, else its description, else
    the start of the description or body (a lesson found by its title alone)."""
    for text in (body_text, description):
        words, first = words_through_first_match(text, matcher)
        if first is not None:
            return cut_snippet(text, matcher, words, first)
    return snippet(description or body_text, matcher)


def snippet(text, matcher, size=SNIPPET_WORDS):
    """About `size` words of `text` around its first matching word, escaped, matches marked."""
    words, first = words_through_first_match(text, matcher, size)
    return cut_snippet(text, matcher, words, first or 0, size)


def words_through_first_match(text, matcher, size=SNIPPET_WORDS):
    """The words of `text` through `size` past the first that `matcher` matches (all of them
    if none does), and that word's number, or None. One word more than a snippet shows, so it
    can tell that more follows."""
    words = []
    found = WORD.finditer(text)
    for word in found:
        words.append(word)
        if matcher.matches(word[0]):
            first = len(words) - 1
            words += islice(found, size)
            return words, first
    return words, None


def cut_snippet(text, matcher, words, first, size=SNIPPET_WORDS):
    """About `size` of the `words` of `text` around word number `first`, escaped, the words
    that match marked."""
    start = max(0, min(first - SNIPPET_WORDS_BEFORE_MATCH, len(words) - size))
    end = min(len(words), start + size)
    shown = words[start:end]
    # Escaped and joined here rather than through format_html: a page shows hundreds of words.
    pieces = ["… " if start else ""]
    done = shown[0].start() if start else 0
    for word in shown:
        if matcher.matches(word[0]):
            pieces += [html.escape(text[done : word.start()]), "<mark>", html.escape(word[0])]
            pieces.append("</mark>")
            done = word.end()
    cut = shown[-1].end() if end < len(words) else len(text)
    pieces += [html.escape(text[done:cut]), " …" if end < len(words) else ""]
    return mark_safe("".join(pieces))  # noqa: S308 (every piece of text is escaped above)


def rebuild_index():
    """Recreate the SQLite FTS5 table, its triggers and its contents; the number of lessons
    indexed. None on PostgreSQL, whose generated column needs no rebuild."""
    if connection.vendor == "postgresql":
        return None
    if connection.vendor != "sqlite":
        raise NotSupportedError("Lesson search needs SQLite or PostgreSQL.")
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in (*SQLITE_DROP_INDEX, *SQLITE_INDEX):
            cursor.execute(statement)
        cursor.execute("SELECT count(*) FROM courses_lessonbody_search")
        return cursor.fetchone()[0]
