"""axe-core over the learner's pages, in light and dark, on a desktop and a phone.

The shipped course is imported once and every page is opened once per width: axe runs all
its rules on it in the light theme, then its colour rules again after the page is switched to
dark (the system preference, so no reload). The dark theme is only other colours
(static/coursebook-dark.css holds nothing but colour properties), so the other rules would
find the same as in light. The test fails with every violation found, page by page.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from courses.models import Course
from tests.conftest import PASSWORD
from tests.makers import lessons_of, make_completions

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "axe" / "axe.min.js").read_text()
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
THEMES = ("light", "dark")
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
RUN_AXE = """async (rules) => {
  const options = {resultTypes: ["violations"]};
  if (rules) options.runOnly = {type: "rule", values: rules};
  const results = await axe.run(document, options);
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
    count: v.nodes.length,
  }));
}"""


def axe_violations(page, rules=None):
    """axe's violations on the page as it is now (all rules, or just `rules`): one line per
    rule, with where it failed."""
    return [
        f"{v['id']} ({v['impact']}, {v['count']}×): {v['help']} — {', '.join(v['targets'])}"
        for v in page.evaluate(RUN_AXE, rules)
    ]


def new_context(browser, options):
    """A browser context that loads axe into every page it opens."""
    context = browser.new_context(**options)
    context.add_init_script(AXE)
    return context


def check_pages(context, urls, found, label):
    page = context.new_page()
    for url in urls:
        page.emulate_media(color_scheme="light")
        response = page.goto(url)
        assert response.ok, f"{url} answered {response.status}"
        assert page.url.endswith(url), f"{url} led to {page.url}"
        for theme in THEMES:
            page.emulate_media(color_scheme=theme)
            rules = None if theme == "light" else COLOUR_RULES
            for violation in axe_violations(page, rules):
                found.append(f"{label} {theme} {url}: {violation}")
        found.append(None)  # one page checked in both themes
    page.close()


def sign_in(context, username):
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")
    page.close()


def test_learner_pages_have_no_axe_violations(browser, live_server, transactional_db, learner):
    call_command("import_content", str(settings.CONTENT_DIR), verbosity=0)
    course = Course.objects.get()
    lessons = lessons_of(course)
    make_completions(learner, lessons[:3])
    course_url = course.get_absolute_url()
    learner_urls = [
        "/",
        course_url,
        *(lesson.get_absolute_url() for lesson in lessons),
        reverse("learners:dashboard"),
        reverse("learners:account"),
        "/search/?q=attention",
    ]
    visitor_urls = [
        "/",
        course_url,
        lessons[0].get_absolute_url(),
        "/search/?q=attention",
        reverse("login"),
        reverse("learners:signup"),
    ]

    found = []
    learner_contexts = []
    for label, (width, height) in WIDTHS.items():
        options = {"base_url": live_server.url, "viewport": {"width": width, "height": height}}
        visitor = new_context(browser, options)
        check_pages(visitor, visitor_urls, found, f"{label} visitor")
        visitor.close()
        learner_context = new_context(browser, options)
        sign_in(learner_context, learner.username)
        check_pages(learner_context, learner_urls, found, f"{label} learner")
        learner_contexts.append((label, learner_context))

    # The course finished: its course-complete page, with the certificate.
    make_completions(learner, lessons[3:])
    finished = [reverse("learners:course_complete", args=[course.slug])]
    for label, learner_context in learner_contexts:
        check_pages(learner_context, finished, found, f"{label} learner")
        learner_context.close()

    violations = [line for line in found if line is not None]
    checked = found.count(None) * len(THEMES)
    assert checked == 2 * (len(visitor_urls) + len(learner_urls) + len(finished)) * len(THEMES)
    assert not violations, f"{len(violations)} violations on {checked} page checks:\n" + "\n".join(
        violations
    )
