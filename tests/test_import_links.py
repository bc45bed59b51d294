"""Links, MDX and iframes in an imported course, as Docusaurus reads them.

tests/fixtures/links-site/docs/ is a small docs folder written for these tests; its
docusaurus.json beside it is what Docusaurus 3.10.2 made of it (built by
../shared/docusaurus-truth/truth.sh with the default `mdx` format, which every file there
compiles with: its iframes use JSX attribute names). Every link of every page is compared
with where Docusaurus sends it; ours are /courses/<slug>/<permalink>/."""

import json
import shutil
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse

from config.settings import envhosts
from courses.importing import import_content
from courses.importing.links import LinkMap, Resolver, docusaurus_url
from courses.models import Course, Lesson
from tests.docusaurus_truth import broken_in_docusaurus, compare_with_docusaurus, our_url
from tests.test_admin import messages_of, save_lesson

SITE = Path(__file__).parent / "fixtures" / "links-site"
DOCS = SITE / "docs"
TRUTH = json.loads((SITE / "docusaurus.json").read_text(encoding="utf-8"))


@pytest.fixture
def imported(db):
    [report] = import_content([DOCS])
    assert report.errors == []
    return report


def lesson_at(report, source):
    return Lesson.objects.select_related("body").get(
        course__slug=report.course, source_path=source
    )


def test_the_fixture_was_built_by_docusaurus_with_broken_links_of_both_kinds():
    assert TRUTH["build"]["ok"] and TRUTH["docusaurus_version"] == "3.10.2"
    assert TRUTH["markdown_format"] == "mdx"
    assert {target for _, target in broken_in_docusaurus(TRUTH)} == {
        "./spotting-scope.md",
        "../nowhere/",
    }


def test_the_course_and_every_link_are_as_docusaurus_reads_them(imported):
    course = Course.objects.get(slug=imported.course)
    assert sum(len(page["links"]) for page in TRUTH["links"]) == 20
    assert compare_with_docusaurus(course, TRUTH) == []


def test_every_broken_link_is_reported_at_its_own_line(imported):
    broken = broken_in_docusaurus(TRUTH)
    expected = sorted(
        f"docs/{page['source']}:{link['line']} -> {link['target']}"
        for page in TRUTH["links"]
        for link in page["links"]
        if (page["source"], link["target"]) in broken
    )
    assert sorted(imported.broken_links) == expected
    assert set(expected) == {
        "docs/02-gear/01-binoculars.md:9 -> ./spotting-scope.md",
        "docs/02-gear/01-binoculars.md:11 -> ./spotting-scope.md",
        "docs/02-gear/01-binoculars.md:13 -> ../nowhere/",
        "docs/02-gear/01-binoculars.md:15 -> ../nowhere/",
    }


def test_our_pages_are_served_at_docusaurus_permalinks(imported):
    for doc in TRUTH["docs"]:
        lesson = lesson_at(imported, doc["source"])
        assert lesson.get_absolute_url() == our_url(lesson.course, doc["permalink"])


def test_mdx_imports_exports_and_components_are_never_shown_as_code(imported):
    lesson = lesson_at(imported, "02-gear/field-notes.mdx")
    notes = lesson.body.html
    assert "import" not in notes and "export" not in notes and "=&gt;" not in notes
    assert "import" not in lesson.body.text and "Tally" not in lesson.body.text
    assert "Interactive content not available here: <code>Tally</code>" in notes
    gear = lesson_at(imported, "02-gear/index.md").body.html
    assert "Interactive content not available here: <code>DocCardList</code>" in gear
    assert [line for line in imported.warnings if "MDX component" in line] == [
        "docs/02-gear/field-notes.mdx:14: MDX component <Tally> is replaced by a notice "
        "(not available here)",
        "docs/02-gear/index.md:9: MDX component <DocCardList> is replaced by a notice "
        "(not available here)",
    ]


def test_tabs_and_details_are_disclosure_widgets_with_their_text(imported, client):
    lesson = lesson_at(imported, "02-gear/field-notes.mdx")
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert '<details class="tab" open="open">\n<summary>Paper notebook</summary>' in page
    assert '<details class="tab">\n<summary>Phone app</summary>' in page
    assert "Turn the screen brightness down before dawn." in page
    assert "<details>\n<summary>Why not both?</summary>" in page


def test_video_iframes_are_kept_sandboxed_and_other_iframes_become_links(imported, client):
    lesson = lesson_at(imported, "02-gear/calls.md")
    response = client.get(lesson.get_absolute_url())
    page = response.content.decode()
    assert page.count('sandbox="allow-scripts allow-same-origin') == 2
    assert (
        'src="https://www.youtube-nocookie.com/embed/M7lc1UVf-VE" title="The dawn chorus"' in page
    )
    assert 'src="https://player.vimeo.com/video/76979871" title="From the hide"' in page
    assert '<a class="embed-link" href="https://maps.example.org/reserve"' in page
    frame_src = response["Content-Security-Policy"].split("frame-src ")[1].split(";")[0].split()
    assert {"https://www.youtube-nocookie.com", "https://player.vimeo.com"} <= set(frame_src)
    assert [line for line in imported.warnings if "iframe" in line] == [
        "docs/02-gear/calls.md:5: iframe from www.youtube-nocookie.com kept as an embedded video",
        "docs/02-gear/calls.md:9: iframe from player.vimeo.com kept as an embedded video",
        "docs/02-gear/calls.md:13: iframe 'https://maps.example.org/reserve' is not from an "
        "allowed video host: shown as a link",
    ]


def test_a_narrower_embed_host_setting_takes_effect_on_the_next_import(imported):
    with override_settings(EMBED_HOSTS=["player.vimeo.com"]):
        [report] = import_content([DOCS])
    assert report.updated == ["gear/calls"]
    html = lesson_at(report, "02-gear/calls.md").body.html
    assert html.count("<iframe") == 1
    assert '<a class="embed-link" href="https://www.youtube-nocookie.com/embed/' in html


def test_a_url_style_link_follows_the_lesson_it_names_when_that_lesson_appears(db, tmp_path):
    docs = shutil.copytree(DOCS, tmp_path / "docs")
    [report] = import_content([docs])
    assert "docs/02-gear/01-binoculars.md:13 -> ../nowhere/" in report.broken_links
    (docs / "nowhere.md").write_text("# Nowhere\n\nFound it.\n", encoding="utf-8")
    [report] = import_content([docs])
    assert "gear/binoculars" in report.updated
    assert not [line for line in report.broken_links if "nowhere" in line]
    html = lesson_at(report, "02-gear/01-binoculars.md").body.html
    assert f'href="/courses/{report.course}/nowhere/"' in html


def test_an_unchanged_course_renders_nothing_on_reimport(imported):
    [report] = import_content([DOCS])
    assert report.updated == [] and len(report.unchanged) == len(TRUTH["docs"])


# The rules, without a database ----------------------------------------------------------------


@pytest.fixture
def links():
    links = LinkMap("birds", "docs", route_base_path="/")
    for source, doc_id, path in [
        ("intro.md", "intro", "intro"),
        ("02-gear/index.md", "gear/index", "gear"),
        ("02-gear/01-binoculars.md", "gear/binoculars", "gear/binoculars"),
        ("audits/checklist.md", "audits/checklist", "audits/checklist"),
    ]:
        links.add_lesson(source, doc_id, path)
    return links


def resolve(links, source, path, section, target):
    return Resolver(links, source, docusaurus_url(path, section)).link(target)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/docs/02-gear/01-binoculars.md", "gear/binoculars"),  # from the site folder
        ("/02-gear/01-binoculars.md", "gear/binoculars"),  # from the docs folder
        ("02-gear/01-binoculars.md", "gear/binoculars"),  # bare: the docs folder next
        ("intro.md", "intro"),
        ("./intro.md", None),  # ./ and ../ only from the file's own folder
        ("../intro.md", "intro"),
        ("../02-gear/index.md", "gear"),
    ],
)
def test_markdown_file_links_try_the_folders_docusaurus_tries(links, target, expected):
    url = resolve(links, "audits", "audits/checklist", "audits", target)
    assert url == (f"/courses/birds/{expected}/" if expected else None)


@pytest.mark.parametrize(
    ("page", "section", "target", "expected"),
    [
        ("gear/binoculars", "gear", "../audits/checklist/", "audits/checklist"),
        ("gear/binoculars", "gear", "index", None),
        ("gear/binoculars", "gear", "./", "gear"),
        ("gear", "gear", "binoculars", "gear/binoculars"),  # a folder's page ends in /
        ("gear", "gear", "../intro", "intro"),
        ("intro", None, "gear/binoculars", "gear/binoculars"),
        ("intro", None, "../../../intro", "intro"),  # .. stops at the root
        ("intro", None, "/audits/checklist", "audits/checklist"),
        ("intro", None, "/docs/audits/checklist", "audits/checklist"),  # the default base
        ("intro", None, "nowhere/", None),
    ],
)
def test_url_style_links_resolve_against_the_pages_docusaurus_url(
    links, page, section, target, expected
):
    url = resolve(links, "", page, section, target)
    assert url == (f"/courses/birds/{expected}/" if expected else None)


def test_a_lesson_url_needs_no_reverse_for_plain_paths(links):
    assert links.pages["gear/binoculars"] == reverse(
        "courses:lesson", args=["birds", "gear/binoculars"]
    )


def test_the_embed_hosts_setting_takes_host_names_only(monkeypatch):
    monkeypatch.setenv("COURSEBOOK_EMBED_HOSTS", " Player.Vimeo.com , www.youtube.com")
    assert envhosts("COURSEBOOK_EMBED_HOSTS") == ["player.vimeo.com", "www.youtube.com"]
    monkeypatch.setenv("COURSEBOOK_EMBED_HOSTS", "https://www.youtube.com/")
    with pytest.raises(ImproperlyConfigured, match="COURSEBOOK_EMBED_HOSTS to comma-separated"):
        envhosts("COURSEBOOK_EMBED_HOSTS")


def test_a_url_style_link_typed_in_the_admin_leads_to_the_lesson(editor_client, tmp_path):
    import_content([shutil.copytree(SITE.parent / "admin-course", tmp_path / "admin-course")])
    welcome = Lesson.objects.get(course__slug="admin-course", doc_id="basics/welcome")
    body = "See [the deep dive](../more/deep-dive#details) and [nothing](../more/none/).\n"
    response = save_lesson(editor_client, welcome, markdown=body)
    assert response.status_code == 302
    welcome = Lesson.objects.select_related("body").get(pk=welcome.pk)
    assert 'href="/courses/admin-course/more/deep-dive/#details"' in welcome.body.html
    assert [m for m in messages_of(response) if "Broken link" in m and "../more/none/" in m]
