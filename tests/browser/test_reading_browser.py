"""Reading a lesson in real Chromium: code blocks, the theme, "On this page", the header."""

import pytest
from playwright.sync_api import expect

from courses.rendering import render_markdown
from tests.browser.conftest import open_page
from tests.browser.test_learner_journey import sign_in
from tests.makers import make_course_with_lessons, make_lesson

pytestmark = pytest.mark.browser

CODE = "def greet(name):\n    # say hello\n    return f'hello {name}'  " + "# wide " * 30
SECTIONS = "".join(
    f"## Part {n}\n\n" + f"Paragraph {n} of the lesson, long enough to read. " * 40 + "\n\n"
    for n in range(1, 6)
)
DARK_BACKGROUND = "rgb(21, 24, 28)"
LIGHT_BACKGROUND = "rgb(251, 250, 247)"


@pytest.fixture
def script_page(browser, live_server, transactional_db, request):
    """A desktop-sized page with JavaScript on, allowed to use the clipboard."""
    pages = open_page(browser, live_server, request, viewport={"width": 1280, "height": 800})
    page = next(pages)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    yield page
    next(pages, None)


def lesson_with(body_markdown, slug="reading", title="Reading a lesson"):
    rendered = render_markdown(body_markdown)
    course = make_course_with_lessons(count=1)
    return make_lesson(
        course,
        slug=slug,
        title=title,
        order=5,
        body_markdown=body_markdown,
        body_html=rendered.html,
        toc=rendered.toc,
    )


def background(page):
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_the_copy_button_puts_the_code_on_the_clipboard(script_page):
    lesson = lesson_with(f'```python title="greet.py"\n{CODE}\n```\n')
    script_page.goto(lesson.get_absolute_url())
    code = script_page.get_by_role("group", name="Python code: greet.py")
    expect(code).to_be_visible()
    script_page.get_by_role("button", name="Copy Python code: greet.py").click()
    expect(script_page.get_by_role("status")).to_have_text("Code copied to the clipboard.")
    assert script_page.evaluate("navigator.clipboard.readText()") == CODE


def test_a_wide_code_block_scrolls_with_the_keyboard(script_page):
    lesson = lesson_with(f"```python\n{CODE}\n```\n")
    script_page.goto(lesson.get_absolute_url())
    code = script_page.get_by_role("group", name="Python code")
    code.focus()
    expect(code).to_be_focused()
    script_page.keyboard.press("ArrowRight")
    script_page.keyboard.press("End")
    assert code.evaluate("element => element.scrollLeft") > 0


def test_heading_links_are_named_after_their_heading(page):
    lesson = lesson_with("## The causal mask\n\nText.\n")
    page.goto(lesson.get_absolute_url())
    link = page.get_by_role("link", name="Direct link to The causal mask")
    expect(link).to_have_attribute("href", "#the-causal-mask")


def test_on_this_page_marks_the_section_being_read(script_page):
    lesson = lesson_with(SECTIONS)
    script_page.goto(lesson.get_absolute_url())
    toc = script_page.get_by_role("complementary", name="On this page")
    expect(toc.get_by_role("link", name="Part 1")).to_have_class("toc-active")
    script_page.evaluate("document.getElementById('part-3').scrollIntoView()")
    expect(toc.get_by_role("link", name="Part 3")).to_have_class("toc-active")
    expect(toc.locator(".toc-active")).to_have_count(1)
    script_page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    expect(toc.get_by_role("link", name="Part 5")).to_have_class("toc-active")


def test_the_chosen_theme_is_kept_on_every_page_and_applied_before_drawing(script_page):
    course = make_course_with_lessons(count=2)
    script_page.goto(course.get_absolute_url())
    assert background(script_page) == LIGHT_BACKGROUND
    switch = script_page.get_by_role("button", name="Theme: system")
    switch.click()
    expect(script_page.get_by_role("button", name="Theme: light")).to_be_visible()
    script_page.get_by_role("button", name="Theme: light").click()
    expect(script_page.get_by_role("button", name="Theme: dark")).to_be_visible()
    assert background(script_page) == DARK_BACKGROUND

    # On the next page the dark stylesheet is switched on before <body> is even parsed.
    script_page.add_init_script(
        """new MutationObserver((changes, observer) => {
          if (document.body) {
            window.darkMediaAtBody = document.querySelector("link[data-dark-theme]").media;
            observer.disconnect();
          }
        }).observe(document, {childList: true, subtree: true});"""
    )
    script_page.goto("/")
    assert script_page.evaluate("window.darkMediaAtBody") == "screen"
    assert background(script_page) == DARK_BACKGROUND
    expect(script_page.get_by_role("button", name="Theme: dark")).to_be_visible()


def test_without_javascript_the_system_theme_applies_and_no_switch_is_offered(page):
    make_course_with_lessons(count=1)
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    assert background(page) == DARK_BACKGROUND
    page.emulate_media(color_scheme="light")
    assert background(page) == LIGHT_BACKGROUND
    expect(page.locator("[data-theme-switch]")).to_be_hidden()


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "staff"])
def test_the_phone_header_is_one_row(phone_page, editor, signed_in):
    if signed_in:
        sign_in(phone_page, editor.username)
    phone_page.goto("/")
    header = phone_page.get_by_role("banner")
    name = header.get_by_role("link", name="Coursebook")
    menu = header.locator("summary", has_text="Menu")
    assert name.bounding_box()["y"] == pytest.approx(menu.bounding_box()["y"], abs=8)
    assert header.bounding_box()["height"] < 64

    menu.click()
    expect(header.get_by_role("searchbox", name="Search lessons")).to_be_visible()
    if signed_in:
        expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    else:
        expect(header.get_by_role("link", name="Sign up")).to_be_visible()
    expect(header.get_by_role("button", name="Theme: system")).to_be_visible()
