"""Searching from the site header in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.makers import make_course, make_lesson, make_section

pytestmark = pytest.mark.browser


def test_header_search_finds_a_lesson_and_opens_it(page):
    course = make_course(slug="gen-ai", title="Generative AI")
    section = make_section(course, slug="attention", title="Attention and transformers")
    lesson = make_lesson(
        course,
        section,
        slug="architecture",
        title="Transformer architecture",
        body_markdown="Encoders and decoders built from **self-attention** layers.",
    )
    make_lesson(course, section, slug="other", title="Tokens", order=1, body_markdown="Words.")

    page.goto("/")
    header = page.get_by_role("banner")
    header.get_by_role("searchbox", name="Search lessons").fill("decoder")
    header.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"/search/\?q=decoder$"))
    results = page.locator(".search-results")
    expect(results.get_by_role("link")).to_have_count(1)
    expect(results.locator("mark")).to_have_text("decoders")
    expect(page.get_by_text("Attention and transformers")).to_be_visible()

    results.get_by_role("link", name="Transformer architecture").click()
    expect(page).to_have_url(re.compile(re.escape(lesson.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Transformer architecture")
