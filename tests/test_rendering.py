"""courses.rendering: Docusaurus-flavoured Markdown to safe HTML, a toc and problems.
Pure tests: no database."""

from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import frontmatter
import pytest

from courses.rendering import Problem, Rendered, render_markdown
from courses.rendering.sanitise import strip_bidi_controls
from courses.rendering.tasklists import task_items
from tests.conftest import SEED_LESSON, needs_seed_lesson


class _Elements(HTMLParser):
    """Every start tag of a document as (tag, attributes)."""

    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html, tag):
    parser = _Elements()
    parser.feed(html)
    return [attrs for name, attrs in parser.elements if name == tag]


def classes(html, tag):
    return [set(attrs.get("class", "").split()) for attrs in elements(html, tag)]


# Plain Markdown ------------------------------------------------------------------------------


def test_it_returns_rendered_html_toc_and_problems():
    rendered = render_markdown("Hello *world*")
    assert isinstance(rendered, Rendered)
    assert rendered.html == "<p>Hello <em>world</em></p>"
    assert rendered.toc == []
    assert rendered.problems == []


def test_tables_render_with_column_alignment():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |").html
    assert "<table>" in html
    assert [attrs.get("align") for attrs in elements(html, "td")] == ["left", "right"]


def test_a_table_scrolls_in_a_box_the_keyboard_can_reach():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |").html
    assert html.startswith(
        '<div class="table-scroll" tabindex="0" role="group" aria-label="Table"><table>'
    )
    assert html.endswith("</table></div>")


def test_markup_inside_an_attribute_is_never_taken_for_a_table():
    html = render_markdown('<span title="<table><pre>">x</span>').html
    assert "table-scroll" not in html
    assert elements(html, "span") == [{"title": "<table><pre>"}]


def test_an_empty_corner_header_cell_becomes_a_plain_cell():
    html = render_markdown("| | Generative |\n|---|---|\n| Learns | p(x) |").html
    assert "<th></th>" not in html
    assert "<td></td>" in html
    assert "<th>Generative</th>" in html


def test_footnotes_link_both_ways():
    html = render_markdown("Claim[^1].\n\n[^1]: Source.").html
    assert '<a class="footnote-ref" href="#fn:1">1</a>' in html
    assert '<li id="fn:1">' in html
    assert 'class="footnote-backref" href="#fnref:1"' in html


def test_footnotes_do_not_leak_into_the_next_document():
    render_markdown("Claim[^1].\n\n[^1]: Source.")
    assert "footnote" not in render_markdown("Plain.").html


@pytest.mark.parametrize("next_body", ["", "   \n\n", "Plain text, no heading."])
def test_one_renderer_reused_across_lessons_shows_no_headings_of_the_last(next_body):
    render_markdown("## Secret heading\n\n- [ ] Secret task\n\nDraft text.")
    rendered = render_markdown(next_body)
    assert rendered.toc == []
    assert "Secret" not in rendered.html


def test_an_empty_body_renders_as_an_empty_lesson_even_as_a_threads_first_render():
    with ThreadPoolExecutor(1) as fresh_thread:
        rendered = fresh_thread.submit(render_markdown, "").result()
    assert rendered == Rendered(html="", toc=[], problems=[])


def test_task_list_items_are_read_only_checkboxes_labelled_by_their_text():
    html = render_markdown("- [ ] I can *explain* it\n- [x] done").html
    checkboxes = elements(html, "input")
    assert [box.get("type") for box in checkboxes] == ["checkbox", "checkbox"]
    assert all("disabled" in box for box in checkboxes)
    assert ["checked" in box for box in checkboxes] == [False, True]
    assert [item.text for item in task_items(html)] == ["I can explain it", "done"]
    assert '<label class="task-list-item-label"><input' in html
    assert "I can <em>explain</em> it</label>" in html


def test_a_nested_task_item_labels_only_its_own_text():
    html = render_markdown("- [ ] outer\n  - [ ] inner").html
    assert [item.text for item in task_items(html)] == ["outer", "inner"]
    assert "outer</label><ul" in html


def test_task_items_are_keyed_by_their_text_not_their_place():
    first = task_items(render_markdown("- [ ] Alpha\n- [ ] Beta").html)
    moved = task_items(render_markdown("Intro.\n\n- [ ] New\n- [ ] Beta\n- [x] Alpha  ").html)
    assert {item.text: item.key for item in moved}["Alpha"] == first[0].key
    assert {item.text: item.key for item in moved}["Beta"] == first[1].key
    assert len({item.key for item in moved}) == 3


def test_a_task_item_repeated_in_a_lesson_gets_its_own_key():
    items = task_items(render_markdown("- [ ] Again\n\nText.\n\n- [ ] Again").html)
    assert items[1].key == items[0].key + "-2"


@pytest.mark.parametrize(
    "raw",
    [
        '<input name="q">',
        '<input type="checkbox">',
        '<input type="checkbox" class="task-list-item-checkbox" data-task="abc" disabled>',
        "- [ ] <input name=q>",
    ],
)
def test_only_task_list_checkboxes_are_inputs(raw):
    html = render_markdown(f"Text {raw} and [[task 0123456789abcdef 0]].\n\n- [ ] Real").html
    assert len(elements(html, "input")) == 1
    assert [item.text for item in task_items(html)] == ["Real"]


@pytest.mark.parametrize("tag", ["section title='Warm-up'", "div className='cards'", "center"])
def test_markdown_wrapped_in_an_html_element_is_rendered(tag):
    name = tag.split()[0]
    text = (
        f"<{tag}>\n\n## Knots\n\nTie a *bowline*[^1].\n\n:::tip\n\nPractise.\n\n:::\n\n"
        f"</{name}>\n\nAfter.\n\n[^1]: A loop that holds.\n"
    )
    html = render_markdown(text).html
    assert '<h2 id="knots">' in html
    assert "<em>bowline</em>" in html and 'href="#fn:1"' in html
    assert classes(html, "aside") == [{"admonition", "tip"}]
    assert "##" not in html and ":::" not in html and "///" not in html


def test_markdown_indented_inside_a_wrapper_element_is_not_code():
    html = render_markdown("<div className='cards'>\n    Tie a *bowline*.\n</div>").html
    assert html == "<p>Tie a <em>bowline</em>.</p>"


def test_an_end_tag_still_closes_a_raw_html_block_begun_on_a_line_with_content():
    html = render_markdown('<div class="pic"><img src="a.png">\n</div>\n\nAfter *this*.').html
    assert html.endswith("<p>After <em>this</em>.</p>")


def test_double_tildes_strike_through():
    assert render_markdown("~~old~~ new").html == "<p><del>old</del> new</p>"


def test_two_space_nested_lists_nest():
    html = render_markdown("- a\n  - b\n    - c\n- d").html
    assert html.count("<ul>") == 3


def test_a_list_right_under_a_line_of_text_is_a_list():
    html = render_markdown("**Key points**:\n*   one\n*   two").html
    assert "<li>one</li>" in html
    assert "*" not in html


def test_an_ordered_list_not_starting_at_one_does_not_interrupt_a_paragraph():
    assert render_markdown("In the year\n2024. it rained").html == (
        "<p>In the year\n2024. it rained</p>"
    )


def test_a_backslash_escapes_any_ascii_punctuation_as_in_commonmark():
    html = render_markdown('A List\\<T\\> holds \\"items\\" \\& more \\@ once.').html
    assert html == '<p>A List&lt;T&gt; holds "items" &amp; more @ once.</p>'


# Code ----------------------------------------------------------------------------------------


def test_fenced_code_is_highlighted_with_pygments_classes():
    html = render_markdown("```python\nimport os\n```").html
    assert {"highlight", "language-python"} <= classes(html, "div")[0]
    assert '<span class="kn">import</span>' in html


def test_code_title_is_shown_as_a_caption():
    html = render_markdown('```python title="app/main.py"\nx = 1\n```').html
    assert '<span class="filename">app/main.py</span>' in html


def test_code_line_ranges_are_highlighted():
    html = render_markdown("```python {1,3-4}\na = 1\nb = 2\nc = 3\nd = 4\n```").html
    assert html.count('<span class="hll">') == 3
    assert '<span class="n">b</span>' in html.split('<span class="hll">')[1]
    assert '<span class="n">c</span>' in html.split('<span class="hll">')[2]


def test_code_title_and_line_highlighting_combine():
    html = render_markdown('```js title="a.js" {2}\nlet a;\nlet b;\n```').html
    assert '<span class="filename">a.js</span>' in html
    assert html.count('<span class="hll">') == 1


def test_magic_comments_highlight_lines_and_disappear():
    text = (
        "```js\nlet a;\n// highlight-next-line\nlet b;\n"
        "// highlight-start\nlet c;\nlet d;\n// highlight-end\nlet e;\n```"
    )
    html = render_markdown(text).html
    assert "highlight-" not in html
    highlighted = [part.split("</span>\n")[0] for part in html.split('<span class="hll">')[1:]]
    assert [line.split('class="nx">')[1][0] for line in highlighted] == ["b", "c", "d"]


def test_a_line_range_in_the_meta_wins_over_magic_comments():
    html = render_markdown("```python {1}\nx = 1\n# highlight-next-line\ny = 2\n```").html
    assert html.count('<span class="hll">') == 1
    assert "highlight-next-line" in html


def test_an_unclosed_code_fence_runs_to_the_end():
    html = render_markdown("Text\n\n```python\nx = 1\n\n## not a heading").html
    assert "<h2" not in html
    assert "not a heading" in html.split("<pre ")[1]


def test_show_line_numbers_numbers_lines_outside_the_code_text():
    html = render_markdown("```python showLineNumbers=5\na = 1\nb = 2\n```").html
    numbered = [attrs for attrs in elements(html, "span") if "data-linenos" in attrs]
    assert [attrs["data-linenos"] for attrs in numbered] == ["5 ", "6 "]
    assert len(elements(html, "pre")) == 1


def test_a_code_block_is_named_and_reachable_by_keyboard():
    html = render_markdown("```py\nx = 1\n```").html
    assert elements(html, "pre") == [
        {"tabindex": "0", "role": "group", "aria-label": "Python code"}
    ]


def test_a_code_block_shows_its_language_and_title_in_a_header():
    html = render_markdown('```sh title="setup & run.sh"\nls\n```').html
    assert (
        '<div class="code-header"><span class="filename">setup &amp; run.sh</span>'
        '<span class="code-language">Bash</span></div>'
    ) in html
    assert elements(html, "pre")[0]["aria-label"] == "Bash code: setup & run.sh"


def test_plain_text_code_has_no_language_label():
    html = render_markdown("```text\nplain\n```\n\n```\nbare\n```\n\n    indented").html
    assert "code-header" not in html
    assert [attrs["aria-label"] for attrs in elements(html, "pre")] == ["Code", "Code", "Code"]


def test_markup_in_a_code_title_stays_text_in_its_label():
    html = render_markdown('```python title="<b onclick=x>.py"\nx = 1\n```').html
    assert elements(html, "pre")[0]["aria-label"] == "Python code: <b onclick=x>.py"
    assert elements(html, "b") == []


def test_code_fence_without_a_language_keeps_its_title():
    html = render_markdown('``` title="notes.txt"\nplain\n```').html
    assert '<span class="filename">notes.txt</span>' in html


# Headings and the table of contents ----------------------------------------------------------


def test_headings_get_docusaurus_style_ids_and_a_permalink():
    html = render_markdown("## Why Is It So Prominent?").html
    assert elements(html, "h2") == [{"id": "why-is-it-so-prominent"}]
    assert {"class": "headerlink", "href": "#why-is-it-so-prominent"}.items() <= (
        elements(html, "a")[0].items()
    )


def test_a_heading_permalink_is_named_after_its_heading():
    html = render_markdown("## Tokens & `<bos>`").html
    assert elements(html, "a")[0]["aria-label"] == "Direct link to Tokens & <bos>"


def test_explicit_heading_ids_are_kept():
    html = render_markdown("## Setup {#install}").html
    assert elements(html, "h2") == [{"id": "install"}]


def test_repeated_headings_are_numbered_like_docusaurus():
    html = render_markdown("## Example\n\n## Example\n\n## Example").html
    assert [heading["id"] for heading in elements(html, "h2")] == [
        "example",
        "example-1",
        "example-2",
    ]


def test_footnote_references_stay_out_of_heading_ids_and_titles():
    rendered = render_markdown("## Scaling laws[^1]\n\n[^1]: Kaplan et al.")
    assert rendered.toc == [{"id": "scaling-laws", "title": "Scaling laws", "level": 2}]


def test_toc_lists_levels_two_and_three_by_default():
    text = "# Title\n\n## Two\n\n### Three\n\n#### Four\n\n## Again"
    assert render_markdown(text).toc == [
        {"id": "two", "title": "Two", "level": 2},
        {"id": "three", "title": "Three", "level": 3},
        {"id": "again", "title": "Again", "level": 2},
    ]


def test_toc_levels_follow_the_given_range():
    text = "## Two\n\n### Three\n\n#### Four"
    toc = render_markdown(text, toc_min_level=3, toc_max_level=4).toc
    assert [entry["level"] for entry in toc] == [3, 4]


def test_toc_titles_are_plain_text():
    toc = render_markdown("## Tokens & `<bos>` *marks*").toc
    assert toc[0]["title"] == "Tokens & <bos> marks"


def test_an_escaped_character_in_a_heading_stays_in_its_toc_title_and_permalink_name():
    rendered = render_markdown("## Queue\\<T\\> basics")
    assert rendered.toc[0]["title"] == "Queue<T> basics"
    assert 'aria-label="Direct link to Queue&lt;T&gt; basics"' in rendered.html


# Admonitions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["note", "tip", "info", "warning", "danger", "caution"])
def test_each_admonition_type_renders_as_an_aside_with_a_default_title(kind):
    html = render_markdown(f":::{kind}\nBody text.\n:::").html
    assert html == (
        f'<aside class="admonition {kind}">\n'
        f'<p class="admonition-title">{kind.title()}</p>\n'
        "<p>Body text.</p>\n"
        "</aside>"
    )


@pytest.mark.parametrize(
    "kind, look", [("secondary", "note"), ("success", "tip"), ("important", "info")]
)
def test_docusaurus_extra_admonition_types_take_the_look_docusaurus_gives_them(kind, look):
    html = render_markdown(f":::{kind}\nBody text.\n:::").html
    assert html == (
        f'<aside class="admonition {look}">\n'
        f'<p class="admonition-title">{kind.title()}</p>\n'
        "<p>Body text.</p>\n"
        "</aside>"
    )


def test_admonition_title_after_a_space():
    html = render_markdown(":::tip Try it yourself\nBody.\n:::").html
    assert '<p class="admonition-title">Try it yourself</p>' in html


def test_admonition_title_in_brackets():
    html = render_markdown(":::warning[Mind the **gap**]\nBody.\n:::").html
    assert '<p class="admonition-title">Mind the <strong>gap</strong></p>' in html


def test_admonition_body_is_markdown():
    html = render_markdown(":::note\n- one\n- two\n\n```python\nx = 1\n```\n:::").html
    assert "<li>one</li>" in html
    assert '<span class="n">x</span>' in html


def test_admonitions_nest_with_more_colons_on_the_outer_one():
    html = render_markdown("::::note\nOuter.\n:::tip\nInner.\n:::\nAfter.\n::::").html
    assert html == (
        '<aside class="admonition note">\n'
        '<p class="admonition-title">Note</p>\n'
        "<p>Outer.</p>\n"
        '<aside class="admonition tip">\n'
        '<p class="admonition-title">Tip</p>\n'
        "<p>Inner.</p>\n"
        "</aside>\n"
        "<p>After.</p>\n"
        "</aside>"
    )


def test_sibling_admonitions_stay_siblings():
    html = render_markdown(":::note\nA\n:::\n\n:::danger\nB\n:::").html
    assert html.count("</aside>\n<aside") == 1


def test_an_unclosed_admonition_ends_with_the_document():
    html = render_markdown(":::info\nNever closed.").html
    assert html.endswith("<p>Never closed.</p>\n</aside>")


def test_an_admonition_inside_a_list_item_stays_in_it():
    html = render_markdown("1. Step\n\n   :::tip\n   Hint.\n   :::\n\n2. Next").html
    assert "</aside>\n</li>" in html


def test_colons_inside_code_are_code():
    html = render_markdown("```\n:::note\nnot an admonition\n:::\n```").html
    assert "aside" not in html
    assert ":::note" in html


def test_an_unknown_admonition_type_is_a_warning_and_text():
    rendered = render_markdown("Intro\n\n:::sidebar\nBody\n:::", first_line=4)
    assert "aside" not in rendered.html
    assert rendered.problems == [
        Problem(line=6, message="unknown admonition type :::sidebar", kind="warning")
    ]


# MDX -----------------------------------------------------------------------------------------


def test_mdx_expression_lines_are_reported_with_their_file_line():
    text = "Intro\n\nimport Tabs from '@theme/Tabs';\n\n<Tabs>\n{props.label}\n</Tabs>\n"
    problems = render_markdown(text, first_line=10).problems
    assert [(problem.line, problem.kind) for problem in problems] == [(15, "warning")]
    assert "{props.label}" in problems[0].message


def test_mdx_expression_lines_are_shown_as_escaped_text():
    html = render_markdown("{a <b> c}").html
    assert html == "<p>{a &lt;b&gt; c}</p>"


def test_mdx_comments_are_dropped_without_a_warning():
    rendered = render_markdown("{/* a note to authors */}\n\nText")
    assert rendered.html == "<p>Text</p>"
    assert rendered.problems == []


def test_mdx_inside_code_is_code_not_a_warning():
    rendered = render_markdown("```jsx\nimport Tabs from '@theme/Tabs';\n<Tabs />\n```")
    assert rendered.problems == []


def test_lowercase_html_is_not_mdx():
    assert render_markdown("<details><summary>More</summary>Hidden</details>").problems == []


# Links and images ----------------------------------------------------------------------------


class Resolver:
    """Records what the renderer asks for and answers from a table."""

    def __init__(self, urls):
        self.urls = urls
        self.asked = []

    def __call__(self, target):
        self.asked.append(target)
        return self.urls.get(target)


def test_relative_lesson_links_become_lesson_urls_keeping_the_anchor():
    resolve = Resolver({"../05-x/model.md": "/courses/ai/x/model/"})
    html = render_markdown("[Model](../05-x/model.md#attention)", resolve_link=resolve).html
    assert elements(html, "a") == [{"href": "/courses/ai/x/model/#attention"}]
    assert resolve.asked == ["../05-x/model.md"]


@pytest.mark.parametrize(
    "target", ["./why.md", "why.md", "../02-b/c.mdx", "/rooted/page.md", "dir/x.MD"]
)
def test_resolve_link_gets_the_path_as_written(target):
    resolve = Resolver({})
    render_markdown(f"[x]({target}#part)", resolve_link=resolve)
    assert resolve.asked == [target]


def test_reference_style_links_are_resolved_too():
    resolve = Resolver({"./b.md": "/courses/c/b/"})
    html = render_markdown("See [b][ref].\n\n[ref]: ./b.md", resolve_link=resolve).html
    assert elements(html, "a") == [{"href": "/courses/c/b/"}]


def test_a_broken_link_is_reported_with_its_file_line():
    text = "# Title\n\nFine.\n\nSee [gone](./gone.md#top) now."
    rendered = render_markdown(text, resolve_link=Resolver({}), first_line=6)
    assert rendered.problems == [
        Problem(line=10, message="broken link: ./gone.md", kind="broken_link")
    ]


def test_a_broken_link_is_shown_as_plain_text():
    html = render_markdown('[gone *now*](./gone.md "Gone")', resolve_link=Resolver({})).html
    assert html == '<p><span class="broken-link">gone <em>now</em></span></p>'


def test_the_same_broken_link_twice_reports_both_lines():
    text = "[a](./gone.md)\n\n[b](./gone.md)"
    rendered = render_markdown(text, resolve_link=Resolver({}), first_line=3)
    assert [problem.line for problem in rendered.problems] == [3, 5]


def test_external_links_are_untouched_and_open_safely():
    resolve = Resolver({})
    html = render_markdown("[site](https://example.com/page.md)", resolve_link=resolve).html
    assert elements(html, "a") == [
        {"href": "https://example.com/page.md", "rel": "noopener noreferrer"}
    ]
    assert resolve.asked == []


def test_mailto_links_and_in_page_anchors_are_untouched():
    resolve = Resolver({})
    html = render_markdown("[mail](mailto:a@example.com) [up](#top)", resolve_link=resolve).html
    assert [link["href"] for link in elements(html, "a")] == ["mailto:a@example.com", "#top"]
    assert resolve.asked == []


def test_links_to_other_local_files_and_urls_are_resolved_too():
    resolve = Resolver(
        {"./chart.png": "/courses/c/assets/ab/chart.png", "audits/": "/courses/c/a/"}
    )
    text = "[data](./chart.png) [audits](audits/?tab=2#top)"
    html = render_markdown(text, resolve_link=resolve).html
    assert elements(html, "a") == [
        {"href": "/courses/c/assets/ab/chart.png"},
        {"href": "/courses/c/a/?tab=2#top"},
    ]
    assert resolve.asked == ["./chart.png", "audits/"]


def test_a_broken_link_is_reported_where_it_stands_not_where_its_name_is_mentioned():
    text = "Mentions gone.md first.\n\n[a](gone.md) and\n\n[b](gone.md)\n"
    rendered = render_markdown(text, resolve_link=Resolver({}), first_line=3)
    assert [problem.line for problem in rendered.problems] == [5, 7]


def test_relative_images_become_asset_urls():
    resolve = Resolver({"./img/attention.png": "/courses/ai/assets/ab12/attention.png"})
    html = render_markdown("![Attention](./img/attention.png)", resolve_image=resolve).html
    assert elements(html, "img") == [
        {"alt": "Attention", "src": "/courses/ai/assets/ab12/attention.png"}
    ]


def test_a_missing_image_is_a_warning_and_the_lesson_still_renders():
    text = "Before.\n\n![Chart](./img/missing.png)\n\nAfter."
    rendered = render_markdown(text, resolve_image=Resolver({}), first_line=5)
    assert elements(rendered.html, "img") == [{"alt": "Chart"}]
    assert "<p>After.</p>" in rendered.html
    assert rendered.problems == [
        Problem(line=7, message="image not found: ./img/missing.png", kind="warning")
    ]


def test_external_images_are_untouched():
    resolve = Resolver({})
    html = render_markdown("![x](https://example.com/x.png)", resolve_image=resolve).html
    assert elements(html, "img") == [{"alt": "x", "src": "https://example.com/x.png"}]
    assert resolve.asked == []


def test_without_resolvers_relative_links_are_left_as_written():
    html = render_markdown("[x](./x.md)").html
    assert elements(html, "a") == [{"href": "./x.md"}]


RLO = "\u202e"  # right-to-left override: "invoice\u202egpj.exe" shows as "invoiceexe.jpg"


@pytest.mark.parametrize(
    "source",
    [
        f"[invoice{RLO}gpj.exe](https://example.com/invoice{RLO}gpj.exe)",
        f'<a href="https://example.com/invoice{RLO}gpj.exe">invoice{RLO}gpj.exe</a>',
        '<a href="https://example.com/invoice&#x202E;gpj.exe">invoice&#x202e;gpj.exe</a>',
    ],
)
def test_bidi_controls_are_removed_from_link_urls_and_text(source):
    html = render_markdown(source).html
    assert elements(html, "a")[0]["href"] == "https://example.com/invoicegpj.exe"
    assert ">invoicegpj.exe</a>" in html


def test_bidi_controls_are_removed_from_image_urls_and_alt_text():
    html = render_markdown(f"![photo{RLO}gpj](https://example.com/a\u2066b.png)").html
    assert elements(html, "img") == [{"alt": "photogpj", "src": "https://example.com/ab.png"}]


def test_direction_marks_in_ordinary_text_are_kept():
    assert "\u200f" in render_markdown("Hebrew text \u200f[a link](https://example.com)").html


@pytest.mark.parametrize(
    "control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
                "\u2068", "\u2069", "\u200e", "\u200f", "\u061c"],
)  # fmt: skip
def test_strip_bidi_controls_removes_every_direction_control(control):
    assert strip_bidi_controls(f"invoice{control}gpj.exe") == "invoicegpj.exe"


def test_strip_bidi_controls_keeps_right_to_left_letters():
    assert strip_bidi_controls("שלום عربي") == "שלום عربي"


# The customer's lesson -----------------------------------------------------------------------


@needs_seed_lesson
def test_the_seed_lesson_asks_for_both_of_its_links_and_renders_its_lists():
    lesson = frontmatter.loads(SEED_LESSON.read_text(encoding="utf-8"))
    resolve = Resolver({})
    rendered = render_markdown(lesson.content, resolve_link=resolve)
    assert resolve.asked == [
        "../05-attention-and-transformers/transformer-model-architecture.md",
        "./why-is-so-prominent.md",
    ]
    assert "<li><strong>Creation</strong>" in rendered.html
    assert rendered.toc[0] == {
        "id": "what-is-generative-ai",
        "title": "What is Generative AI?",
        "level": 2,
    }


# Robustness ----------------------------------------------------------------------------------


def test_lists_nested_past_sixteen_levels_are_flattened():
    text = "".join("  " * depth + "- x\n" for depth in range(600))
    assert render_markdown(text).html.count("<ul>") == 16


def test_admonitions_nested_past_sixteen_levels_are_text_with_one_warning():
    text = ":::note\n" * 20 + "x\n" + ":::\n" * 20
    rendered = render_markdown(text, first_line=2)
    assert rendered.html.count("<aside") == 16
    assert rendered.problems == [
        Problem(line=18, message="admonitions nested over 16 deep are shown as text")
    ]


def test_a_body_nested_too_deeply_for_python_markdown_is_shown_as_text_with_a_warning():
    text = "".join("> " + "    " * depth + "- <b>x</b>\n" for depth in range(260))
    rendered = render_markdown(text, first_line=4)
    assert rendered.html.startswith("<pre>&gt; - &lt;b&gt;x&lt;/b&gt;\n")
    assert rendered.problems == [
        Problem(line=4, message="nested too deeply to render; shown as plain text")
    ]
    assert render_markdown("## Next").toc == [{"id": "next", "title": "Next", "level": 2}]


INLINE_PIECES = (
    "*", "_", "**", "__", "`", "``", "[", "]", "(", ")", "![", "<", ">", "&", "\\", "~~",
    "\n", "  \n", " ", "word", "[^1]", "<b>", "</b>", "<http://a.b>", "<a@b.c>", "&amp;",
    "&#60;", "&copy;", "[x](y.md)", "![i](i.png)", "[r][1]", "![i][1]", "![1]", "[1]",
    "\n[1]: /r\n", "\\*", "`*a*`", "\n\n[^1]: A note.\n",
)  # fmt: skip


def test_inline_markup_renders_as_python_markdowns_own_inline_pass(monkeypatch):
    """The inline pass tries a pattern only on text holding a character it needs: on every
    mix of Markdown's inline pieces, it renders what Python-Markdown's own pass renders."""
    from random import Random

    from markdown.treeprocessors import InlineProcessor

    from courses.rendering.extensions import _InlinePass

    rng = Random(13)
    texts = [
        "".join(rng.choice(INLINE_PIECES) for _ in range(rng.randint(1, 30))) for _ in range(600)
    ]
    ours = [render_markdown(text).html for text in texts]
    upstream = InlineProcessor._InlineProcessor__handleInline
    monkeypatch.setattr(_InlinePass, "_InlineProcessor__handleInline", upstream)
    assert [render_markdown(text).html for text in texts] == ours
