"""import_content on Docusaurus sites: one course per site, read as Docusaurus reads it,
checked against Docusaurus' own reading of the same folders (tests/docusaurus_truth.py)."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from courses.importing.javascript import Unreadable, exported_literal
from courses.importing.site_config import read_site
from courses.models import Asset, Course, Lesson
from tests.docusaurus_truth import compare_with_docusaurus, load_truth

SITES = Path(__file__).parent / "fixtures" / "sites"


def run_import(*args):
    out, err = StringIO(), StringIO()
    call_command("import_content", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# Reading JavaScript without running it (no database) -----------------------------------------


def test_exported_literal_is_read_as_json5_with_comments_and_trailing_commas():
    text = (
        "// @ts-check\nimport type {SidebarsConfig} from 'x';\n"
        "const sidebars: SidebarsConfig = {\n"
        "  docs: ['a', /* b */ {type: \"doc\", id: 'c',},],\n};\n"
        "export default sidebars;\n"
    )
    assert exported_literal(text) == {"docs": ["a", {"type": "doc", "id": "c"}]}


@pytest.mark.parametrize(
    "text",
    [
        "module.exports = {docs: [...shared]};",
        "module.exports = {docs: items};",
        "module.exports = {docs: require('./x')};",
        "module.exports = buildSidebars();",
        "not javascript at all {",
    ],
)
def test_computed_javascript_is_not_read(text):
    with pytest.raises(Unreadable):
        exported_literal(text)


def test_docs_plugin_options_are_read_from_the_plugin_entry(tmp_path):
    (tmp_path / "docs-here").mkdir()
    (tmp_path / "docusaurus.config.js").write_text(
        "module.exports = {\n  title: 'Plugin site',\n  presets: [['classic', {docs: false}]],\n"
        "  plugins: [['@docusaurus/plugin-content-docs', {path: 'docs-here',"
        " routeBasePath: 'learn', sidebarPath: require.resolve('./nav.js')}]],\n};\n"
    )
    (tmp_path / "nav.js").write_text("module.exports = {a: []};\n")
    site = read_site(tmp_path)
    assert (site.title, site.docs_dir.name, site.route_base_path) == (
        "Plugin site",
        "docs-here",
        "learn",
    )
    assert site.sidebars_file.name == "nav.js"
    assert site.warnings == ()


# Importing sites --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("site", "slug"), [("harbor-site", "harbor-handbook"), ("tidewater-site", "tidewater-notes")]
)
def test_site_imports_as_docusaurus_reads_it(db, site, slug):
    run_import(SITES / site)
    course = Course.objects.get(slug=slug)
    assert (
        compare_with_docusaurus(course, load_truth(SITES / site / "docusaurus-truth.json")) == []
    )


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_site(root, *, config=None, sidebars=None, docs=None):
    """A small Docusaurus site folder written for one test."""
    write(root / "docusaurus.config.js", config or "module.exports = {title: 'Small site'};\n")
    if sidebars is not None:
        write(root / "sidebars.js", sidebars)
    for name, text in (docs or {"intro.md": "# Intro\n"}).items():
        write(root / "docs" / name, text)
    return root


@pytest.fixture
def harbor(db):
    run_import(SITES / "harbor-site")
    return Course.objects.get(slug="harbor-handbook")


# A site folder is one course ------------------------------------------------------------------


def test_site_is_one_course_titled_by_its_config_and_named_by_its_project(harbor):
    assert Course.objects.count() == 1
    assert harbor.title == "Harbor Handbook"  # not the navbar's title, nor "docs"
    assert harbor.source_dir == str((SITES / "harbor-site" / "docs").resolve())


def test_pointing_at_a_sites_docs_folder_reads_the_site(db):
    run_import(SITES / "tidewater-site" / "docs")
    assert list(Course.objects.values_list("slug", "title")) == [
        ("tidewater-notes", "Tidewater Notes")
    ]


def test_slug_option_names_the_course(db):
    run_import(SITES / "tidewater-site", "--slug", "tides")
    assert Course.objects.get().slug == "tides"


def test_root_category_label_titles_a_site_course(db, tmp_path):
    site = make_site(tmp_path / "site", docs={"_category_.json": '{"label": "Own label"}'})
    write(site / "docs" / "a.md", "# A\n")
    run_import(site)
    assert Course.objects.get().title == "Own label"


def test_site_docs_of_numbered_folders_only_is_one_course(db, tmp_path):
    site = make_site(
        tmp_path / "numbered",
        docs={
            "01-start/01-a.md": "# A\n\nOn to [B](../02-next/01-b.md).\n",
            "02-next/01-b.md": "# B\n\nBack to [A](../01-start/01-a.md).\n",
        },
    )
    out, _ = run_import(site)
    course = Course.objects.get()
    assert course.title == "Small site"
    assert set(course.lessons.values_list("doc_id", flat=True)) == {"start/a", "next/b"}
    assert "0 broken links" in out


def test_template_project_name_does_not_name_the_course_its_title_does(db, tmp_path):
    config = "module.exports = {title: 'Rope work', projectName: 'docusaurus'};\n"
    run_import(make_site(tmp_path / "knots", config=config))
    run_import(make_site(tmp_path / "sails", config=config.replace("Rope work", "Sail care")))
    assert list(Course.objects.order_by("slug").values_list("slug", flat=True)) == [
        "rope-work",
        "sail-care",
    ]


def test_unreadable_config_is_a_warning_naming_it_and_the_folder_names_the_course(db, tmp_path):
    site = make_site(tmp_path / "computed", config="module.exports = makeConfig();\n")
    out, _ = run_import(site)
    assert "computed/docusaurus.config.js: could not be read" in out
    assert Course.objects.get().slug == "computed"


def test_config_built_from_spreads_and_variables_is_a_warning_naming_it(db, tmp_path):
    site = make_site(
        tmp_path / "assembled",
        config="import base from './config/site';\nimport presets from './config/presets';\n"
        "const config = {\n  ...base(),\n  presets: presets,\n};\nexport default config;\n",
    )
    out, _ = run_import(site)
    assert "assembled/docusaurus.config.js: spreads computed values" in out
    assert "assembled/docusaurus.config.js: `presets` is not a plain array" in out
    assert Course.objects.get().slug == "assembled"


def test_blog_versions_and_translations_are_a_warning_each_not_imported(db, tmp_path):
    site = make_site(tmp_path / "fuller")
    write(site / "blog" / "2024-05-01-launch.md", "# Launch\n")
    write(site / "versioned_docs" / "version-1.0" / "intro.md", "# Old intro\n")
    write(site / "i18n" / "fr" / "code.json", "{}\n")
    out, _ = run_import(site)
    assert "fuller/blog/: a blog, not imported (only the docs are)" in out
    assert "fuller/versioned_docs/: older versions of the docs, not imported" in out
    assert "fuller/i18n/: translations, not imported" in out
    assert list(Lesson.objects.values_list("doc_id", flat=True)) == ["intro"]


def test_config_values_are_read_from_typescript_and_esm(db, tmp_path):
    site = tmp_path / "ts"
    write(
        site / "docusaurus.config.ts",
        "import type {Config} from '@docusaurus/types';\n"
        "const config: Config = {\n  title: `Typed`, // a template literal is not read\n"
        "  projectName: 'typed-site',\n  presets: [['classic', {docs: {path: 'content'}}]],\n"
        "};\nexport default config;\n",
    )
    write(site / "content" / "a.md", "# A\n")
    out, _ = run_import(site)
    course = Course.objects.get()
    assert (course.slug, course.title) == ("typed-site", "content")
    assert "ts/docusaurus.config.ts: `title` is not a plain string" in out


# Sidebars -----------------------------------------------------------------------------------


def test_sidebar_orders_labels_and_groups_the_course(harbor):
    welcome = Lesson.objects.get(doc_id="welcome")
    tips = Lesson.objects.get(doc_id="extras/tips")
    assert welcome.order == 0
    assert tips.section.title == "Getting set up"  # the sidebar's category, not its folder


def test_doc_in_no_sidebar_opens_by_its_url_but_is_not_in_the_outline(harbor, client):
    notes = Lesson.objects.get(doc_id="extras/notes")
    assert notes.unlisted
    assert client.get(notes.get_absolute_url()).status_code == 200
    assert "Loose notes" not in client.get("/courses/harbor-handbook/setup/install/").text


def test_sidebar_link_item_is_an_external_link_in_the_outline(harbor, client):
    page = client.get("/courses/harbor-handbook/setup/install/").text
    assert 'href="https://tides.example.com/" rel="noopener noreferrer"' in page
    assert page.index("Working with tides") < page.index("Tide tables") < page.index("Berth list")


def test_unreadable_sidebars_is_a_warning_naming_it_and_the_folders_decide(db, tmp_path):
    site = make_site(
        tmp_path / "computed",
        sidebars="module.exports = {docs: makeSidebar()};\n",
        docs={"b.md": "# B\n", "a.md": "# A\n"},
    )
    out, _ = run_import(site)
    assert "computed/sidebars.js: could not be read" in out
    assert "the folders decide the order" in out
    assert list(Lesson.objects.values_list("doc_id", flat=True)) == ["a", "b"]


def test_sidebar_shorthand_categories_and_docs_named_in_it(db, tmp_path):
    site = make_site(
        tmp_path / "short",
        sidebars='{"docs": {"Second first": ["b"], "Then": ["a"]}}',
        docs={"a.md": "# A\n", "b.md": "# B\n"},
    )
    (site / "sidebars.js").rename(site / "sidebars.json")
    run_import(site)
    lessons = Lesson.objects.order_by("order")
    assert [(x.doc_id, x.section.title) for x in lessons] == [("b", "Second first"), ("a", "Then")]


def test_autogenerated_sidebar_keeps_a_folder_holding_only_its_own_page_in_place(db, tmp_path):
    site = make_site(
        tmp_path / "lone",
        sidebars="module.exports = {notes: [{type: 'autogenerated', dirName: '.'}]};\n",
        docs={
            "alpha.md": "# Alpha\n",
            "beta/beta.md": "# Beta\n",
            "gamma/intro.md": "# Gamma intro\n",
            "gamma/more.md": "# Gamma more\n",
        },
    )
    out, _ = run_import(site)
    assert "not in its first sidebar" not in out, out
    lessons = Lesson.objects.order_by("order")
    assert [(x.doc_id, x.section and x.section.title) for x in lessons] == [
        ("alpha", None),
        ("beta/beta", None),
        ("gamma/intro", "gamma"),
        ("gamma/more", "gamma"),
    ]


# Pages Docusaurus makes: front page, category pages ------------------------------------------


def test_slug_slash_is_the_front_page_at_the_course_url_and_can_be_completed(
    harbor, learner_client
):
    page = learner_client.get("/courses/harbor-handbook/")
    assert page.status_code == 200
    assert "<h1>Welcome aboard</h1>" in page.text
    assert 'action="/courses/harbor-handbook/complete/"' in page.text
    done = learner_client.post("/courses/harbor-handbook/complete/")
    assert done.status_code == 302
    assert done.url == "/courses/harbor-handbook/setup/install/"
    assert "✓ Completed" in learner_client.get("/courses/harbor-handbook/").text.replace(
        '<span aria-hidden="true">✓</span> Completed', "✓ Completed"
    )


def test_generated_index_is_a_page_listing_the_sections_items(harbor, client):
    page = client.get("/courses/harbor-handbook/category/guides/").text
    assert "Every guide, one page each." in page
    assert 'href="/courses/harbor-handbook/guides/overview/"' in page
    assert 'href="/courses/harbor-handbook/guides/deep/mooring/"' in page  # "Deep dives"


# Static files -----------------------------------------------------------------------------


def test_static_images_by_site_path_and_relative_path_are_stored_and_served(harbor, client):
    assert set(Asset.objects.values_list("path", flat=True)) == {
        "../static/img/logo.png",
        "../static/img/diagram.png",  # unused.png is referenced by no lesson: not stored
    }
    welcome = client.get("/courses/harbor-handbook/").text
    logo = Asset.objects.get(path="../static/img/logo.png")
    assert f'src="{logo.get_absolute_url()}"' in welcome
    assert client.get(logo.get_absolute_url()).status_code == 200
    install = Lesson.objects.get(doc_id="setup/install")
    diagram = Asset.objects.get(path="../static/img/diagram.png")
    assert diagram.get_absolute_url() in install.body.html


def test_missing_static_image_is_a_warning_with_its_line(db):
    out, _ = run_import(SITES / "harbor-site")
    assert "docs/setup/02-configure.md:5: image not found: /img/missing.png" in out


def test_files_beside_lessons_and_in_static_are_stored_as_their_links_name_them(
    db, client, tmp_path
):
    site = make_site(
        tmp_path / "course-site",
        docs={
            "01-start/index.md": "# Start\n\nGet [the starter](./starter.zip) and "
            "[the data](data.json).\n\n![Empty](./start\\_empty.png)\n\n"
            "![Shot](/assets/shot%20(1).png)\n",
            "01-start/start_empty.png": "",
        },
    )
    write(site / "docs" / "01-start" / "starter.zip", "zip bytes")
    write(site / "docs" / "01-start" / "data.json", '{"todos": []}')
    write(site / "static" / "assets" / "shot (1).png", "png bytes")
    out, _ = run_import(site)
    assert "0 broken links" in out and "not found" not in out, out
    html = Lesson.objects.get(doc_id="start/index").body.html
    for path in ("start/starter.zip", "start/data.json", "01-start/start_empty.png"):
        assert Asset.objects.get(path__endswith=path.split("/", 1)[1]).get_absolute_url() in html
    shot = Asset.objects.get(path="../static/assets/shot (1).png")
    assert f'src="{shot.get_absolute_url()}"' in html
    data = client.get(Asset.objects.get(path__endswith="data.json").get_absolute_url())
    assert (data["Content-Type"], data.content) == ("application/json", b'{"todos": []}')


def assert_shows_stored_files(doc_id, paths):
    """Each file at `paths` is stored with the course, and the lesson links it from there."""
    html = Lesson.objects.get(doc_id=doc_id).body.html
    for path in paths:
        assert Asset.objects.get(path=path).get_absolute_url() in html


def test_site_static_alias_names_an_image_or_file_in_static(db, tmp_path):
    site = make_site(
        tmp_path / "alias-site",
        docs={
            "lab.md": "# Lab\n\n![Map](@site/static/img/map.png)\n\n"
            "Download [the kit](@site/static/files/kit.zip).\n",
        },
    )
    write(site / "static" / "img" / "map.png", "png bytes")
    write(site / "static" / "files" / "kit.zip", "zip bytes")
    out, _ = run_import(site)
    assert "0 broken links" in out and "not found" not in out, out
    assert_shows_stored_files("lab", ["../static/img/map.png", "../static/files/kit.zip"])


def test_images_required_or_based_from_static_in_jsx_are_stored(db, tmp_path):
    site = make_site(
        tmp_path / "require-site",
        docs={
            "tour.mdx": "# Tour\n\n<img src={require('@site/static/img/deck.png').default} />\n\n"
            "<img\n  src={useBaseUrl('img/mast.png')}\n/>\n"
        },
    )
    write(site / "static" / "img" / "deck.png", "png bytes")
    write(site / "static" / "img" / "mast.png", "png bytes")
    out, _ = run_import(site)
    assert "not found" not in out, out
    assert_shows_stored_files("tour", ["../static/img/deck.png", "../static/img/mast.png"])


def test_docusaurus_links_in_text_lead_to_the_lesson_or_the_front_matter_link(db, tmp_path):
    site = make_site(
        tmp_path / "link-site",
        docs={
            "lab.md": "---\nrepo_link: https://example.org/starter\n---\n# Lab\n\n"
            "Take <Link to={frontMatter.repo_link}>the starter</Link>, then read "
            '<Link to="/notes">the notes</Link>.\n',
            "notes.md": "# Notes\n",
        },
    )
    out, _ = run_import(site)
    assert "0 broken links" in out, out
    html = Lesson.objects.get(doc_id="lab").body.html
    assert (
        '<a href="https://example.org/starter" rel="noopener noreferrer">the starter</a>' in html
    )
    assert f'<a href="{Lesson.objects.get(doc_id="notes").get_absolute_url()}">' in html


# Identity -----------------------------------------------------------------------------------


def test_two_sites_whose_folders_share_a_name_stay_two_whole_courses(db, tmp_path):
    for name in ("alpha", "beta"):
        write(tmp_path / name / "docs" / f"{name}-1.md", f"# {name} one\n")
        write(tmp_path / name / "docs" / f"{name}-2.md", f"# {name} two\n")
    run_import(tmp_path / "alpha" / "docs")
    run_import(tmp_path / "beta" / "docs")
    assert {c.slug: c.lessons.filter(archived=False).count() for c in Course.objects.all()} == {
        "alpha-docs": 2,
        "beta-docs": 2,
    }


def test_import_that_would_archive_most_of_a_course_stops_and_says_why(db, tmp_path, learner):
    from learners.models import Completion

    for name in ("one", "two"):
        make_site(tmp_path / name, docs={f"{name}-{n}.md": f"# {name} {n}\n" for n in (1, 2, 3)})
    run_import(tmp_path / "one")
    first = Lesson.objects.get(doc_id="one-1")
    Completion.objects.create(user=learner, lesson=first, course=first.course)
    err = StringIO()
    with pytest.raises(CommandError):  # the same title, so the same slug: "small-site"
        call_command("import_content", str(tmp_path / "two"), stdout=StringIO(), stderr=err)
    assert "course 'small-site': this import would archive or delete 3 of its 3 lessons" in (
        err.getvalue()
    )
    assert f"It was imported from {(tmp_path / 'one' / 'docs').resolve()}" in err.getvalue()
    assert Lesson.objects.filter(archived=False).count() == 3

    run_import(tmp_path / "two", "--replace")
    first.refresh_from_db()
    assert first.archived and Completion.objects.filter(lesson=first).exists()


# Folders of courses ---------------------------------------------------------------------------


def test_folder_of_courses_linking_into_each_other_suggests_course_option(db, tmp_path):
    write(tmp_path / "book" / "01-start" / "a.md", "# A\n\nNext: [B](../02-next/b.md).\n")
    write(tmp_path / "book" / "02-next" / "b.md", "# B\n")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_content", str(tmp_path / "book"), stdout=StringIO(), stderr=err)
    assert f"import it with --course {tmp_path / 'book'}" in err.getvalue()

    run_import("--course", tmp_path / "book")
    assert Course.objects.get(slug="book").lessons.count() == 2
