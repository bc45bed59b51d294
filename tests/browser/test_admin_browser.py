"""Staff in real Chromium: edit a lesson's Markdown in the admin, learners see it at once."""

import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from courses.models import Lesson
from tests.browser.conftest import open_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "admin-course"


@pytest.fixture
def admin_page(browser, live_server, transactional_db, request):
    """A desktop page with JavaScript on, as staff use the admin."""
    yield from open_page(browser, live_server, request, viewport={"width": 1280, "height": 900})


@pytest.fixture
def welcome(tmp_path, transactional_db):
    folder = shutil.copytree(FIXTURE, tmp_path / "admin-course")
    call_command("import_content", str(folder), stdout=StringIO())
    return Lesson.objects.get(doc_id="basics/welcome")


def test_staff_edits_a_lesson_and_learners_see_the_change(admin_page, editor, welcome):
    page = admin_page
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security" in message.text else None
        ),
    )

    page.goto("/admin/")
    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Lessons").click()
    page.get_by_role("link", name="Welcome", exact=True).click()
    editor_box = page.get_by_label("Markdown:", exact=True)
    expect(editor_box).to_have_css("font-family", re.compile("monospace"))
    assert editor_box.bounding_box()["width"] > 600
    editor_box.fill("## Fixed in the admin\n\nA typo, fixed by staff.\n")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(welcome.get_absolute_url())
    expect(page.locator(".prose")).to_contain_text("A typo, fixed by staff.")
    expect(page.get_by_role("heading", name="Fixed in the admin")).to_be_visible()
    assert refused == []
