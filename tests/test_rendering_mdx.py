"""courses.rendering: what Docusaurus compiles as MDX (imports, exports, components, tabs,
<details>) and <iframe> embeds. Pure tests: no database."""

from tests.test_rendering import elements, render_markdown

VIDEO_HOSTS = frozenset({"www.youtube.com", "www.youtube-nocookie.com", "player.vimeo.com"})


def texts(html, tag):
    """The text inside each element of `tag` (no nesting of the same tag)."""
    found, rest = [], html
    while (start := rest.find(f"<{tag}")) >= 0:
        opened = rest.index(">", start) + 1
        closed = rest.index(f"</{tag}>", opened)
        found.append(rest[opened:closed])
        rest = rest[closed:]
    return found


# Imports and exports -------------------------------------------------------------------------


def test_import_and_export_lines_are_never_shown_nor_reported():
    text = (
        "import Tabs from '@theme/Tabs';\n"
        "import {\n  Chart,\n  Legend,\n} from '../components/chart';\n"
        "export const tally = {\n  birds: 3,\n};\n"
        "\n"
        "Counted birds."
    )
    rendered = render_markdown(text)
    assert rendered.html == "<p>Counted birds.</p>"
    assert rendered.problems == []


def test_a_sentence_that_starts_with_import_is_text():
    assert render_markdown("import duties are due.").html == "<p>import duties are due.</p>"


# Components ----------------------------------------------------------------------------------


def test_a_component_becomes_a_notice_that_names_it_reported_at_its_line():
    rendered = render_markdown("Before.\n\n<App />\n\nAfter.", first_line=7)
    assert (
        '<p class="component-notice">Interactive content not available here: '
        "<code>App</code></p>" in rendered.html
    )
    assert "<p>After.</p>" in rendered.html
    assert [(problem.line, problem.message) for problem in rendered.problems] == [
        (9, "MDX component <App> is replaced by a notice (not available here)")
    ]


def test_a_component_tag_over_several_lines_is_one_notice_at_its_first_line():
    text = 'Intro.\n\n<Chart\n  data={[1, 2]}\n  title="Counts"\n/>\n\nAfter.'
    rendered = render_markdown(text)
    assert texts(rendered.html, "code") == ["Chart"]
    assert "data=" not in rendered.html
    assert [problem.line for problem in rendered.problems] == [3]


def test_a_component_tag_whose_attribute_expression_holds_blank_lines_is_one_notice():
    text = "<Playground\n  code={`<p>one</p>\n\n<p>two</p>`}\n/>\n\nAfter."
    rendered = render_markdown(text)
    assert texts(rendered.html, "code") == ["Playground"]
    assert "code=" not in rendered.html and "two" not in rendered.html
    assert "<p>After.</p>" in rendered.html
    assert [problem.line for problem in rendered.problems] == [1]


def test_a_components_children_are_still_shown_after_its_notice():
    rendered = render_markdown(
        '<BrowserWindow url="http://localhost">\n\nHello.\n\n</BrowserWindow>'
    )
    assert texts(rendered.html, "code") == ["BrowserWindow"]
    assert "<p>Hello.</p>" in rendered.html
    assert len(rendered.problems) == 1


def test_a_component_inside_a_line_of_text_keeps_its_text():
    rendered = render_markdown('<Highlight color="green">Robins</Highlight> sing at dawn.')
    assert rendered.html == "<p>Robins sing at dawn.</p>"


def test_a_docusaurus_link_inside_a_line_of_text_is_a_link_not_in_code():
    text = (
        'Read <Link to="/gear/boots">the boots page</Link> first, '
        "or accept <Link to={frontMatter.repo_link}>the exercise</Link>.\n\n"
        '`<Link to="/x">code</Link>`'
    )
    rendered = render_markdown(
        text,
        resolve_link=lambda path: f"/course{path}/",
        front_matter={"repo_link": "https://example.org/repo"},
    )
    assert elements(rendered.html, "a") == [
        {"href": "/course/gear/boots/"},
        {"href": "https://example.org/repo", "rel": "noopener noreferrer"},
    ]
    assert texts(rendered.html, "a") == ["the boots page", "the exercise"]
    assert '&lt;Link to="/x"&gt;code&lt;/Link&gt;' in rendered.html


def test_a_fragment_inside_text_shows_only_its_children():
    rendered = render_markdown("<>Fetch the kit\nbefore class.</> Then `a <> b` stays.")
    assert rendered.html == (
        "<p>Fetch the kit\nbefore class. Then <code>a &lt;&gt; b</code> stays.</p>"
    )


def test_a_link_to_front_matter_that_is_missing_keeps_its_text():
    rendered = render_markdown("Accept <Link to={frontMatter.nothing}>it</Link> now.")
    assert rendered.html == "<p>Accept it now.</p>"


def test_an_unfinished_component_tag_is_shown_as_text_and_reported():
    rendered = render_markdown('<Chart title="x"\n\nMore text.')
    assert "&lt;Chart title=" in rendered.html
    assert "<p>More text.</p>" in rendered.html
    assert [problem.line for problem in rendered.problems] == [1]


def test_a_components_own_link_stays_after_its_notice_labelled_by_its_title():
    text = (
        '<LinkCard\n  title="The [river] guide"\n  href="https://example.org/river"\n/>\n\n'
        "<Card to='/gear/boots' />"
    )
    rendered = render_markdown(text, resolve_link=lambda path: f"/course{path}/")
    assert texts(rendered.html, "code") == ["LinkCard", "Card"]
    assert elements(rendered.html, "a") == [
        {"href": "https://example.org/river", "rel": "noopener noreferrer"},
        {"href": "/course/gear/boots/"},
    ]
    assert texts(rendered.html, "a") == ["The [river] guide", "/gear/boots"]


def test_an_image_required_in_jsx_is_an_image_resolved_like_a_markdown_one():
    text = (
        'import IdealImage from "@theme/IdealImage";\n\n'
        '<img src={require("./shots/kettle.png").default} alt="A kettle" />\n\n'
        "<IdealImage img={require('./shots/teapot.jpg')} alt='A teapot' />"
    )
    rendered = render_markdown(text, resolve_image=lambda src: f"/files/{src}")
    assert elements(rendered.html, "img") == [
        {"alt": "A kettle", "src": "/files/./shots/kettle.png"},
        {"alt": "A teapot", "src": "/files/./shots/teapot.jpg"},
    ]
    assert "require" not in rendered.html
    assert rendered.problems == []


def test_an_image_tag_over_several_lines_from_use_base_url_is_a_static_image():
    text = (
        "import useBaseUrl from '@docusaurus/useBaseUrl';\n\n"
        "<img\n  alt='The harbour at dawn'\n  src={useBaseUrl('img/harbour.png')}\n/>\n\n"
        '<IdealImage\n  img={require("./pier.png")}\n/>\n\n'
        '<img\n  src="./plain.png"\n/>\n\nAfter.'
    )
    rendered = render_markdown(text, resolve_image=lambda src: f"/files{src}")
    assert elements(rendered.html, "img")[:2] == [
        {"alt": "The harbour at dawn", "src": "/files/img/harbour.png"},
        {"alt": "", "src": "/files./pier.png"},
    ]
    assert "useBaseUrl" not in rendered.html and "<p>After.</p>" in rendered.html
    assert rendered.problems == []


# Tabs and details ----------------------------------------------------------------------------


TABS = """import Tabs from '@theme/Tabs';
import TabItem from '@theme/TabItem';

<Tabs groupId="tool">
  <TabItem value="pip" label="pip">

Run `pip install birds`.

  </TabItem>
  <TabItem
    value="uv">

Run `uv add birds`.

  </TabItem>
</Tabs>

After the tabs."""


def test_tabs_become_disclosure_widgets_the_first_one_open_with_every_tab_readable():
    rendered = render_markdown(TABS)
    assert elements(rendered.html, "details") == [
        {"class": "tab", "open": "open"},
        {"class": "tab"},
    ]
    assert texts(rendered.html, "summary") == ["pip", "uv"]
    assert "<code>pip install birds</code>" in rendered.html
    assert "<code>uv add birds</code>" in rendered.html
    assert rendered.html.endswith("<p>After the tabs.</p>")
    assert rendered.problems == []


INDENTED_TABS = """<Tabs>
  <TabItem value="owl" label="Owl" default>
    Owls hunt **at night**.

    - barn owl
      - in barns
    - snowy owl

    ```python
    def hoot():
        return "hoo"
    ```
  </TabItem>
</Tabs>

<Nest>
    Built of twigs.
</Nest>

    indented code outside any component"""


def test_children_indented_four_spaces_in_a_component_are_markdown_not_code():
    html = render_markdown(INDENTED_TABS).html
    assert "<p>Owls hunt <strong>at night</strong>.</p>" in html
    assert "<li>barn owl<ul>\n<li>in barns</li>" in html
    assert '<span class="k">def</span>' in html
    assert '\n    <span class="k">return</span>' in html  # the code's own indent stays
    assert "<p>Built of twigs.</p>" in html
    assert "<code>indented code outside any component\n</code>" in html


def test_details_and_summary_become_a_disclosure_widget_with_markdown_inside():
    text = "<details>\n<summary>Why **both**?</summary>\n\nPaper *never* runs out.\n\n</details>"
    rendered = render_markdown(text)
    assert elements(rendered.html, "details") == [{}]
    assert texts(rendered.html, "summary") == ["Why <strong>both</strong>?"]
    assert "<p>Paper <em>never</em> runs out.</p>" in rendered.html
    assert rendered.problems == []


def test_details_open_with_its_summary_on_the_same_line_inside_a_list():
    text = "- item\n\n  <details open><summary>More</summary>\n\n  Hidden.\n\n  </details>"
    html = render_markdown(text).html
    assert elements(html, "details") == [{"open": "open"}]
    assert "<li>" in html.split("<details")[0]
    assert "<p>Hidden.</p>" in html


def test_details_without_a_summary_still_opens_and_closes():
    html = render_markdown("<details>\n\nText.\n\n</details>\n\nAfter.").html
    assert html.startswith("<details>")
    assert html.endswith("</details>\n<p>After.</p>")


def test_admonitions_nest_inside_details_and_tabs():
    text = "<details>\n<summary>S</summary>\n\n:::tip\nInside.\n:::\n\n</details>"
    html = render_markdown(text).html
    assert html.index("<details") < html.index("<aside") < html.index("</aside>")
    assert html.index("</aside>") < html.index("</details>")


# Iframes -------------------------------------------------------------------------------------


def test_an_iframe_from_a_video_host_is_kept_sandboxed_lazy_loaded_and_titled():
    text = (
        '<iframe width="560" height="315" src="https://www.youtube.com/embed/abc?start=5" '
        'sandbox="allow-top-navigation" allow="camera" onload="x()" allowfullscreen></iframe>'
    )
    rendered = render_markdown(text, embed_hosts=VIDEO_HOSTS, first_line=4)
    [frame] = elements(rendered.html, "iframe")
    assert frame["src"] == "https://www.youtube.com/embed/abc?start=5"
    assert frame["title"] == "Embedded video"
    assert frame["loading"] == "lazy"
    assert frame["sandbox"].split() == [
        "allow-scripts",
        "allow-same-origin",
        "allow-presentation",
        "allow-popups",
        "allow-popups-to-escape-sandbox",
    ]
    assert "camera" not in frame["allow"]
    assert (frame["width"], frame["height"]) == ("560", "315")
    assert "onload" not in frame
    assert [(problem.line, problem.message) for problem in rendered.problems] == [
        (4, "iframe from www.youtube.com kept as an embedded video")
    ]


def test_a_protocol_relative_video_embed_loads_over_https_with_its_own_title():
    text = '<iframe src="//player.vimeo.com/video/1" title="From the hide"></iframe>'
    [frame] = elements(render_markdown(text, embed_hosts=VIDEO_HOSTS).html, "iframe")
    assert (frame["src"], frame["title"]) == ("https://player.vimeo.com/video/1", "From the hide")


def test_an_iframe_from_another_host_becomes_a_link_to_its_source():
    text = 'Map:\n\n<iframe src="https://maps.example.org/r" title="Reserve map"></iframe>'
    rendered = render_markdown(text, embed_hosts=VIDEO_HOSTS)
    assert elements(rendered.html, "iframe") == []
    assert elements(rendered.html, "a") == [
        {"class": "embed-link", "href": "https://maps.example.org/r", "rel": "noopener noreferrer"}
    ]
    assert texts(rendered.html, "a") == ["Reserve map"]
    message = "iframe 'https://maps.example.org/r' is not from an allowed video host"
    assert [(problem.line, problem.message) for problem in rendered.problems] == [
        (3, f"{message}: shown as a link")
    ]


def test_without_embed_hosts_a_video_iframe_is_a_link_too():
    html = render_markdown('<iframe src="https://www.youtube.com/embed/abc"></iframe>').html
    assert elements(html, "iframe") == []
    assert elements(html, "a")[0]["href"] == "https://www.youtube.com/embed/abc"


def test_look_alike_video_hosts_are_not_embedded():
    for src in (
        "https://www.youtube.com.evil.example/embed/x",
        "https://www.youtube.com@evil.example/embed/x",
        "https://evil.example\\@www.youtube.com/embed/x",
        "https://evil.example/www.youtube.com/embed/x",
    ):
        html = render_markdown(f'<iframe src="{src}"></iframe>', embed_hosts=VIDEO_HOSTS).html
        assert elements(html, "iframe") == [], src


def test_an_iframe_without_a_web_address_is_removed_and_reported():
    rendered = render_markdown(
        'Text.\n\n<iframe src="javascript:alert(1)"></iframe>', embed_hosts=VIDEO_HOSTS
    )
    assert rendered.html.strip() == "<p>Text.</p>"
    assert [(problem.line, problem.message) for problem in rendered.problems] == [
        (3, "iframe without a web address removed")
    ]


def test_the_same_video_twice_is_reported_at_both_lines():
    frame = '<iframe src="https://www.youtube.com/embed/abc"></iframe>'
    rendered = render_markdown(f"{frame}\n\nText.\n\n{frame}", embed_hosts=VIDEO_HOSTS)
    assert [problem.line for problem in rendered.problems] == [1, 5]
