"""import_content: how a Docusaurus-format folder becomes a course (the authoring rules)."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from courses.importing.fields import split_frontmatter
from courses.importing.order import reading_order, split_number_prefix, strip_number_prefixes
from courses.importing.sources import is_course_folder
from courses.importing.tree import split_leading_title
from courses.models import Asset, Course, Lesson, Section
from tests.conftest import SEED_LESSON, needs_seed_lesson

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT_DIR = Path(__file__).parent.parent


def run_import(*args):
    """call_command with captured output; returns (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    call_command("import_content", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def lesson(doc_id):
    return Lesson.objects.get(course__slug="basics", doc_id=doc_id)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def basics(db):
    run_import(FIXTURES / "basics")
    return Course.objects.get(slug="basics")


# Pure rules, no database ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("01-intro", (1, "intro")),
        ("1 - intro", (1, "intro")),
        ("003_setup", (3, "setup")),
        ("10.wrap up", (10, "wrap up")),
        ("intro", (None, "intro")),
        ("2024-01-05-release-notes", (None, "2024-01-05-release-notes")),
        ("1.2-upgrade", (None, "1.2-upgrade")),
        ("01-", (None, "01-")),
    ],
)
def test_number_prefix_is_split_like_docusaurus(name, expected):
    assert split_number_prefix(name) == expected


def test_number_prefixes_are_stripped_from_every_folder_of_a_path():
    assert strip_number_prefixes("01-intro/02-more/03-x.md") == "intro/more/x.md"


def test_frontmatter_split_keeps_file_line_numbers():
    text = "---\ntitle: x\n---\n\n\nBody starts here.\n"
    yaml_text, yaml_line, body, first_line = split_frontmatter(text)
    assert "title: x" in yaml_text
    assert yaml_line == 1
    assert body.startswith("Body starts here.")
    assert first_line == 6


def test_leading_heading_is_the_title_and_leaves_the_body_with_lines_kept():
    title, body = split_leading_title("\n# The **Big** Title\n\nText.\n")
    assert title == "The Big Title"
    assert body == "\n\n\nText.\n"
    assert split_leading_title("Intro first.\n\n# Later heading\n") == (
        None,
        "Intro first.\n\n# Later heading\n",
    )


def test_leading_heading_after_mdx_imports_is_the_title():
    text = (
        "import Tabs from '@theme/Tabs';\nimport {\n  Knot,\n  Rope,\n} from './knots';\n"
        "\n# Tying knots\n\nText.\n"
    )
    title, body = split_leading_title(text)
    assert title == "Tying knots"
    assert body.count("\n") == text.count("\n") and "# Tying" not in body
    assert split_leading_title("import duties are due.\n\n# Later\n")[0] is None


def test_reading_order_puts_a_folders_own_page_first_then_sorts_by_position_and_name():
    part = Section(path="part", source_path="02-part", position=None)
    nested = Section(path="part/nested", source_path="02-part/01-nested", parent=part)
    lessons = [
        Lesson(doc_id="part/zeta", source_path="02-part/zeta.md", section=part),
        Lesson(doc_id="part/deep", source_path="02-part/01-nested/deep.md", section=nested),
        Lesson(doc_id="part/late", source_path="02-part/late.md", section=part, position=5),
        Lesson(doc_id="part/index", source_path="02-part/index.md", section=part),
        Lesson(doc_id="intro", source_path="01-intro.md"),
        Lesson(doc_id="made-in-admin", source_path="", position=None),
    ]
    sections, ordered = reading_order([nested, part], lessons)
    assert [(s.path, depth) for s, depth in sections] == [("part", 0), ("part/nested", 1)]
    assert [x.doc_id for x in ordered] == [
        "intro",
        "part/index",
        "part/deep",
        "part/late",
        "part/zeta",
        "made-in-admin",
    ]


def test_course_folder_is_told_apart_from_a_folder_of_courses(tmp_path):
    write(tmp_path / "courses" / "one" / "a.md", "# A\n")
    write(tmp_path / "by-category" / "_category_.json", "{}")
    assert is_course_folder(tmp_path / "courses" / "one")
    assert is_course_folder(tmp_path / "by-category")
    assert not is_course_folder(tmp_path / "courses")


# The course, its sections and order -----------------------------------------------------------


def test_root_category_names_and_describes_the_course(basics):
    assert basics.title == "Importer Basics"
    assert basics.description == "A small course written for the importer tests."
    assert basics.position == 3
    assert basics.source_dir == str((FIXTURES / "basics").resolve())
    assert basics.imported_at is not None
    assert basics.meta["customProps"] == {"level": "beginner"}


def test_sections_follow_folders_with_prefixes_stripped_and_nest(basics):
    sections = list(basics.sections.order_by("order"))
    assert [(s.path, s.order, s.depth) for s in sections] == [
        ("middle", 0, 0),
        ("getting-started", 1, 0),
        ("advanced", 2, 0),
        ("advanced/nested", 3, 1),
    ]
    middle, started, advanced, nested = sections
    assert nested.parent == advanced
    assert advanced.parent is None
    assert (started.title, started.description, started.position) == (
        "Getting Started",
        "First things first.",
        2.5,
    )
    assert started.collapsed is False
    assert advanced.collapsed is True
    assert middle.title == "The Middle Part"  # no _category_: the section page's title
    assert advanced.title == "advanced"  # neither: the folder name without its prefix
    assert started.source_path == "01-getting-started"


def test_reading_order_follows_positions_then_prefixes_then_names(basics):
    assert list(basics.lessons.order_by("order").values_list("doc_id", flat=True)) == [
        "welcome",
        "middle/README",
        "middle/only",
        "getting-started/index",
        "getting-started/first-steps",
        "getting-started/second-lesson",
        "getting-started/a-draft",
        "getting-started/unlisted",
        "advanced/custom-id",
        "advanced/slugged",
        "advanced/relative-slug",
        "advanced/nested/b",
        "advanced/nested/deep",
        "advanced/positioned",
        "advanced/alpha",
        "advanced/zeta",
        "1.2-upgrade",
        "2024-01-05-release-notes",
    ]
    assert list(basics.lessons.order_by("order").values_list("order", flat=True)) == list(
        range(18)
    )


def test_lessons_belong_to_their_folders_section(basics):
    assert lesson("welcome").section is None
    assert lesson("getting-started/first-steps").section.path == "getting-started"
    assert lesson("advanced/nested/deep").section.path == "advanced/nested"


def test_section_page_is_served_at_the_section_path(basics):
    assert lesson("getting-started/index").path == "getting-started"
    assert lesson("middle/README").path == "middle"
    assert lesson("getting-started/index").get_absolute_url() == (
        "/courses/basics/getting-started/"
    )


def test_frontmatter_id_and_slug_shape_the_doc_id_and_url(basics):
    assert lesson("advanced/custom-id").path == "advanced/custom-id"
    assert lesson("advanced/custom-id").title == "custom-id"
    assert lesson("advanced/slugged").path == "top-level"
    assert lesson("advanced/relative-slug").path == "advanced/renamed"


def test_title_comes_from_frontmatter_then_heading_then_file_name(basics):
    assert lesson("welcome").title == "Welcome"
    assert lesson("getting-started/first-steps").title == "First Steps"
    assert lesson("advanced/custom-id").title == "custom-id"


def test_leading_heading_is_not_rendered_twice(basics):
    html = lesson("getting-started/first-steps").body.html
    assert "First Steps" not in html
    assert "Some text." in html
    assert lesson("getting-started/first-steps").body.markdown.startswith("# First Steps")


def test_date_and_version_like_names_keep_their_numbers(basics):
    assert lesson("2024-01-05-release-notes").path == "2024-01-05-release-notes"
    assert lesson("1.2-upgrade").title == "Upgrading from 1.2"


def test_frontmatter_fields_are_stored(basics):
    second = lesson("getting-started/second-lesson")
    assert second.title == "The Second Lesson"
    assert second.sidebar_label == "Second"
    assert second.label == "Second"
    assert second.description == "What comes after the first steps."
    assert second.tags == ["basics", "intro"]
    assert second.hide_title is True
    assert second.hide_table_of_contents is True
    assert second.pagination_prev == "getting-started/first-steps"
    assert second.pagination_next is None
    assert lesson("welcome").pagination_next == ""
    assert second.position is None
    assert lesson("welcome").position == 1


def test_unknown_frontmatter_is_kept_as_json(basics):
    meta = lesson("getting-started/second-lesson").meta
    assert meta == {
        "last_reviewed": "2024-05-01",
        "difficulty": "easy",
        "toc_min_heading_level": 2,
        "toc_max_heading_level": 4,
    }


def test_drafts_and_unlisted_lessons_are_flagged(basics):
    assert lesson("getting-started/a-draft").draft is True
    assert lesson("getting-started/a-draft").title == "Not Ready Yet"
    assert lesson("getting-started/unlisted").unlisted is True
    published = Lesson.objects.filter(course=basics).published()
    listed = Lesson.objects.filter(course=basics).listed()
    assert published.count() == 17
    assert listed.count() == 16


def test_lesson_stores_source_hash_and_content_hash(basics):
    first = lesson("getting-started/first-steps")
    assert first.source_path == "01-getting-started/01-first-steps.md"
    assert len(first.source_hash) == 64
    from courses.models import content_hash

    assert first.content_hash == content_hash(first.body.markdown)


# Links and images ----------------------------------------------------------------------------


def test_relative_links_become_lesson_urls_and_keep_anchors(basics):
    first = lesson("getting-started/first-steps").body.html
    assert 'href="/courses/basics/getting-started/second-lesson/#details"' in first
    second = lesson("getting-started/second-lesson").body.html
    assert 'href="/courses/basics/getting-started/"' in second
    assert 'href="/courses/basics/top-level/"' in second  # a /-rooted link
    assert 'href="https://docusaurus.io/docs"' in second
    deep = lesson("advanced/nested/deep").body.html
    assert 'href="/courses/basics/advanced/custom-id/"' in deep


def test_import_reports_counts_per_course(db):
    out, _ = run_import(FIXTURES / "basics")
    assert "basics: 18 created, 0 updated, 0 unchanged, 0 archived" in out
    assert "0 broken links" in out


def test_broken_link_is_reported_with_file_and_line(db, tmp_path):
    course = tmp_path / "links"
    write(course / "01-a" / "one.md", "# One\n\nText.\n\nSee [gone](./missing.md#part).\n")
    out, _ = run_import(tmp_path)  # a folder of courses: tmp_path/links is one
    assert "broken link: links/01-a/one.md:5 -> ./missing.md" in out
    assert Lesson.objects.get(doc_id="a/one").body.html


def test_strict_fails_on_broken_links_and_writes_nothing(db, tmp_path):
    course = tmp_path / "links"
    write(course / "one.md", "---\ntitle: One\n---\n\n[gone](missing.md)\n")
    err = StringIO()
    with pytest.raises(CommandError, match="Not imported"):
        call_command("import_content", str(course), "--strict", stdout=StringIO(), stderr=err)
    assert "links/one.md:5 -> missing.md" in err.getvalue()
    assert not Course.objects.exists()


def test_images_become_assets_with_content_hashed_urls(basics, client):
    asset = Asset.objects.get(course=basics)
    png = (FIXTURES / "basics/01-getting-started/img/diagram.png").read_bytes()
    assert asset.path == "01-getting-started/img/diagram.png"
    assert bytes(asset.data) == png
    assert asset.size == len(png)
    assert asset.content_type == "image/png"
    url = f"/courses/basics/assets/{asset.digest[:16]}/diagram.png"
    assert f'src="{url}"' in lesson("getting-started/first-steps").body.html

    response = client.get(url)
    assert response.status_code == 200
    assert response.content == png
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_asset_url_with_an_unknown_digest_or_name_is_404(basics, client):
    asset = Asset.objects.get(course=basics)
    assert client.get("/courses/basics/assets/0000000000000000/diagram.png").status_code == 404
    assert client.get(f"/courses/basics/assets/{asset.digest[:16]}/other.png").status_code == 404
    assert client.get(f"/courses/nope/assets/{asset.digest[:16]}/diagram.png").status_code == 404
    assert client.get("/courses/basics/assets/abc/diagram.png").status_code == 404


def test_svg_asset_is_served_sandboxed(db, client, tmp_path):
    course = tmp_path / "pictures"
    write(course / "a.md", "# A\n\n![logo](logo.svg)\n")
    write(
        course / "logo.svg", '<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'
    )
    run_import(course)
    asset = Asset.objects.get(path="logo.svg")
    response = client.get(asset.get_absolute_url())
    assert response["Content-Type"] == "image/svg+xml"
    assert "sandbox" in response["Content-Security-Policy"]


def test_course_slug_is_the_folder_name_without_its_prefix(db, tmp_path):
    write(tmp_path / "02-second-course" / "a.md", "# A\n")
    write(tmp_path / "01-first-course" / "b.md", "# B\n")
    write(tmp_path / "_drafts" / "c.md", "# Ignored: starts with an underscore\n")
    out, _ = run_import(tmp_path)
    assert sorted(Course.objects.values_list("slug", flat=True)) == [
        "first-course",
        "second-course",
    ]
    assert out.index("first-course:") < out.index("second-course:")
    assert Course.objects.get(slug="first-course").title == "first-course"


def test_odd_yaml_values_are_stored_as_json(db, tmp_path):
    course = tmp_path / "odd"
    write(
        course / "a.md",
        "---\n"
        'title: "Nul\\0 title"\n'
        "when: 2024-05-01T10:00:00Z\n"
        "ratio: .nan\n"
        "raw: !!binary aGk=\n"
        "flags: !!set {b, a}\n"
        "nested: {1: [2024-01-02, .inf]}\n"
        "---\n\nBody.\n",
    )
    run_import(course)
    odd = Lesson.objects.get(doc_id="a")
    assert odd.title == "Nul title"
    assert odd.meta == {
        "when": "2024-05-01T10:00:00+00:00",
        "ratio": "nan",
        "raw": "hi",
        "flags": ["a", "b"],
        "nested": {"1": ["2024-01-02", "inf"]},
    }


def test_category_link_description_describes_the_section(db, tmp_path):
    course = tmp_path / "linked"
    write(course / "intro.md", "# Intro\n")
    write(
        course / "01-part" / "_category_.yml",
        "label: Part\nlink:\n  type: generated-index\n  description: From the link.\n",
    )
    write(course / "01-part" / "a.md", "# A\n")
    run_import(course)
    part = Section.objects.get(path="part")
    assert part.description == "From the link."
    assert part.meta["link"] == {"type": "generated-index", "description": "From the link."}


# The shipped course and the customer's seed lesson ---------------------------------------------


@needs_seed_lesson
def test_seed_lesson_imports_with_every_link_resolved(db, tmp_path):
    course = tmp_path / "generative-ai"
    intro = course / "01-introduction"
    intro.mkdir(parents=True)
    shutil.copy(SEED_LESSON, intro / "introduction-to-generative-ai.md")
    write(intro / "why-is-so-prominent.md", "---\ntitle: Why Is It So Prominent?\n---\n\nStub.\n")
    write(
        course / "05-attention-and-transformers" / "transformer-model-architecture.md",
        "# Transformer Model Architecture\n\nStub.\n",
    )
    out, _ = run_import(tmp_path, "--strict")
    assert "0 broken links" in out
    seed = Lesson.objects.get(doc_id="introduction/introduction-to-generative-ai")
    assert seed.title == "Introduction to Generative AI"
    assert seed.position == 1
    assert seed.description.startswith("Discover the foundational concepts")
    assert seed.body.markdown == SEED_LESSON.read_text().split("---\n", 2)[2].lstrip("\n")
    assert (
        'href="/courses/generative-ai/attention-and-transformers/transformer-model-architecture/"'
        in seed.body.html
    )
    assert 'href="/courses/generative-ai/introduction/why-is-so-prominent/"' in seed.body.html
    assert "<h1" not in seed.body.html


def test_shipped_content_imports_strictly(db):
    content = PROJECT_DIR / "content"
    if not (content / "generative-ai").is_dir():
        pytest.skip("content/generative-ai is not there yet")
    out, _ = run_import(content, "--strict")
    course = Course.objects.get(slug="generative-ai")
    assert "0 broken links" in out
    assert course.sections.count() >= 6
    assert course.lessons.count() >= 18
    assert course.assets.exists()


def test_a_drafts_headings_never_show_on_the_lesson_rendered_after_it(db, client, tmp_path):
    course = tmp_path / "leaky"
    write(course / "01-draft.md", "---\ndraft: true\n---\n\n## Secret heading\n\nUnpublished.\n")
    write(course / "02-empty.md", "---\ntitle: Empty\n---\n")
    write(course / "03-plain.md", "# Plain\n\nNo headings here.\n")
    run_import(course)
    for doc_id in ("empty", "plain"):
        shown = Lesson.objects.get(course__slug="leaky", doc_id=doc_id)
        assert shown.body.toc == []
        assert "Secret heading" not in client.get(shown.get_absolute_url()).content.decode()
