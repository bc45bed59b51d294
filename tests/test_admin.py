import re
import shutil
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Course, Lesson
from learners.models import Completion, Enrollment, User
from tests.conftest import PASSWORD
from tests.makers import make_lesson

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "admin-course"


def import_content(*args):
    out = StringIO()
    call_command("import_content", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def course_dir(tmp_path):
    return Path(shutil.copytree(FIXTURE, tmp_path / "admin-course"))


@pytest.fixture
def course(course_dir):
    import_content(str(course_dir))
    return Course.objects.get(slug="admin-course")


def lesson(course, doc_id):
    return Lesson.objects.select_related("course", "section").get(course=course, doc_id=doc_id)


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


class FormValues(HTMLParser):
    """What a browser would post for one form of a page, as first shown."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.values = form_id, False, {}
        self.textarea = self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        elif not self.inside or (not name and tag != "option"):
            return
        elif tag == "input" and attrs.get("type") in ("checkbox", "radio"):
            if "checked" in attrs:
                self.values[name] = attrs.get("value", "on")
        elif tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            self.values[name] = attrs.get("value", "")
        elif tag == "textarea":
            self.textarea, self.values[name] = name, ""
        elif tag == "select":
            self.select, self.values[name] = name, ""
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs.get("value", "")

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea:
            # Browsers drop the line break that follows <textarea>.
            self.values[self.textarea] = self.values[self.textarea].removeprefix("\n")
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False


def submit(client, url, form_id, **changes):
    """Open the page, type `changes` into its form (True/False tick boxes) and post it."""
    parser = FormValues(form_id)
    parser.feed(client.get(url).content.decode())
    data = parser.values
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = "on" if value is True else str(value)
    return client.post(url, data)


def save_lesson(client, lesson, **changes):
    return submit(client, change_url(lesson), "lesson_form", **changes)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_saving_a_lesson_renders_it_at_once(editor_client, course):
    welcome = lesson(course, "basics/welcome")
    version = course.content_version
    body = "Fresh text.\n\n## A new heading\n\nSee [the deep dive](../02-more/01-deep-dive.md).\n"
    response = save_lesson(editor_client, welcome, markdown=body)
    assert response.status_code == 302
    welcome.refresh_from_db()
    assert "Fresh text." in welcome.body.html
    assert 'href="/courses/admin-course/more/deep-dive/"' in welcome.body.html
    assert [entry["title"] for entry in welcome.body.toc] == ["A new heading"]
    assert welcome.edited_in_admin
    course.refresh_from_db()
    assert course.content_version > version
    assert "Fresh text." in editor_client.get(welcome.get_absolute_url()).content.decode()


def test_clearing_a_lessons_text_saves_an_empty_lesson_without_the_last_ones_headings(
    editor_client, course
):
    save_lesson(editor_client, lesson(course, "basics/welcome"), markdown="## Secret heading\n")
    second = lesson(course, "basics/second-steps")
    response = save_lesson(editor_client, second, markdown="")
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.body.markdown, second.body.html, second.body.toc) == ("", "", [])
    page = editor_client.get(second.get_absolute_url()).content.decode()
    assert "Secret heading" not in page


def test_a_text_over_the_render_time_limit_is_a_form_error_and_nothing_is_saved(
    editor_client, course, stalling_renderer
):
    welcome = lesson(course, "basics/welcome")
    version = course.content_version
    response = save_lesson(editor_client, welcome, title="Renamed", markdown="STALL\n")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["markdown"] == [
        "Not saved: rendering stopped because it took more than 1 s. "
        "Shorten the text or split it over lessons."
    ]
    saved = lesson(course, "basics/welcome")
    assert (saved.title, saved.body.markdown, saved.body.html) == (
        welcome.title,
        welcome.body.markdown,
        welcome.body.html,
    )
    assert not saved.edited_in_admin
    course.refresh_from_db()
    assert course.content_version == version


def test_saving_an_untouched_lesson_keeps_its_text_and_hash(editor_client, course):
    second = lesson(course, "basics/second-steps")
    # Browsers send a textarea's line breaks as CRLF.
    browser_text = second.body.markdown.replace("\n", "\r\n")
    save_lesson(editor_client, second, markdown=browser_text)
    saved = lesson(course, "basics/second-steps")
    assert saved.body.markdown == second.body.markdown
    assert saved.content_hash == second.content_hash
    assert not saved.edited_in_admin


def test_line_breaks_typed_in_a_browser_are_stored_as_in_a_file(editor_client, course):
    second = lesson(course, "basics/second-steps")
    save_lesson(editor_client, second, markdown="\r\nOne.\r\n\r\nTwo.\r\n")
    assert lesson(course, "basics/second-steps").body.markdown == "\r\nOne.\n\nTwo.\n".replace(
        "\r", ""
    )


def test_broken_links_in_an_edit_are_shown_as_warnings(editor_client, course):
    welcome = lesson(course, "basics/welcome")
    body = "First line.\n\nSee [nothing](./no-such-lesson.md).\n"
    response = save_lesson(editor_client, welcome, markdown=body)
    assert response.status_code == 302
    warnings = [m for m in messages_of(response) if "Broken link" in m]
    assert len(warnings) == 1
    assert warnings[0].startswith("“Welcome”: Broken link, line 3:")
    assert "no-such-lesson.md" in warnings[0]


def test_plain_reimport_keeps_the_admin_edit_and_reports_it(editor_client, course, course_dir):
    welcome = lesson(course, "basics/welcome")
    save_lesson(editor_client, welcome, markdown="Edited in the admin.\n")
    report = import_content(str(course_dir))
    welcome.refresh_from_db()
    assert welcome.body.markdown == "Edited in the admin.\n"
    assert "Edited in the admin." in welcome.body.html
    assert welcome.edited_in_admin
    assert "1 kept admin edits" in report
    assert "kept admin edit (--force overwrites): basics/welcome" in report


def test_force_reimport_restores_the_files_text(editor_client, course, course_dir):
    welcome = lesson(course, "basics/welcome")
    save_lesson(editor_client, welcome, markdown="Edited in the admin.\n")
    run_action(editor_client, "unpublish", [lesson(course, "more/wrap-up")])
    import_content(str(course_dir), "--force")
    welcome.refresh_from_db()
    assert "Welcome to the admin course." in welcome.body.html
    assert not welcome.edited_in_admin
    wrap_up = lesson(course, "more/wrap-up")
    assert (wrap_up.draft, wrap_up.edited_in_admin) == (False, False)


def test_revert_action_restores_the_files_text(editor_client, course):
    welcome = lesson(course, "basics/welcome")
    save_lesson(editor_client, welcome, title="Renamed", markdown="Edited in the admin.\n")
    version = Course.objects.get(pk=course.pk).content_version
    response = editor_client.post(
        reverse("admin:courses_lesson_changelist"),
        {"action": "revert_to_file", "_selected_action": [welcome.pk]},
    )
    assert response.status_code == 302
    welcome.refresh_from_db()
    assert welcome.title == "Welcome"
    assert "Welcome to the admin course." in welcome.body.html
    assert not welcome.edited_in_admin
    assert Course.objects.get(pk=course.pk).content_version > version
    assert "1 lesson reverted to the file's version." in messages_of(response)


def test_revert_action_leaves_lessons_without_a_file_alone(editor_client, course):
    extra = make_lesson(
        course, title="Extra", doc_id="extra", path="extra", body_markdown="Mine.\n"
    )
    response = editor_client.post(
        reverse("admin:courses_lesson_changelist"),
        {"action": "revert_to_file", "_selected_action": [extra.pk]},
    )
    extra.refresh_from_db()
    assert extra.body.markdown == "Mine.\n"
    assert messages_of(response) == [
        "0 lessons reverted to the file's version.",
        "Not reverted: extra: made in the admin, so there is no file to revert to",
    ]


def add_lesson(client, course, **fields):
    fields = {
        "course": course.pk,
        "section": course.sections.get(path="basics").pk,
        "title": "Extra practice",
        "path": "basics/extra-practice",
        "markdown": "## Exercise\n\nBack to [the welcome](./01-welcome.md).\n",
        "position": "10",
        **fields,
    }
    return submit(client, reverse("admin:courses_lesson_add"), "lesson_form", **fields)


def test_lesson_created_in_the_admin_is_rendered_placed_and_readable(editor_client, course):
    response = add_lesson(editor_client, course)
    assert response.status_code == 302
    extra = lesson(course, "basics/extra-practice")
    assert extra.source_path == ""
    assert extra.edited_in_admin
    assert [entry["title"] for entry in extra.body.toc] == ["Exercise"]
    assert 'href="/courses/admin-course/basics/welcome/"' in extra.body.html
    orders = list(course.lessons.order_by("order").values_list("doc_id", "order"))
    assert [doc_id for doc_id, _ in orders] == [
        "basics/welcome",
        "basics/second-steps",
        "basics/extra-practice",
        "more/deep-dive",
        "more/wrap-up",
    ]
    assert [order for _, order in orders] == [0, 1, 2, 3, 4]
    page = editor_client.get(extra.get_absolute_url())
    assert page.status_code == 200
    assert "Exercise" in page.content.decode()


def test_reimport_leaves_a_lesson_created_in_the_admin_alone(editor_client, course, course_dir):
    add_lesson(editor_client, course)
    import_content(str(course_dir))
    extra = lesson(course, "basics/extra-practice")
    assert not extra.archived
    assert "Exercise" in extra.body.html


def test_adding_a_lesson_at_a_taken_path_is_a_form_error(editor_client, course):
    response = add_lesson(editor_client, course, path="basics/welcome")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["path"] == [
        "Another lesson of Admin Course already has the path “basics/welcome”."
    ]
    assert course.lessons.count() == 4


def test_adding_a_lesson_with_a_section_of_another_course_is_a_form_error(editor_client, course):
    other = Course.objects.create(slug="other", title="Other")
    section = other.sections.create(path="part", slug="part", title="Part")
    response = add_lesson(editor_client, course, section=section.pk)
    assert response.context["adminform"].form.errors["section"] == [
        "Choose a section of Admin Course."
    ]


def learner_page(client, lesson):
    """The lesson page's outline titles in order, and its previous / next link targets."""
    html = client.get(lesson.get_absolute_url()).content.decode()
    sidebar = html[html.index('aria-label="Course outline"') :]
    sidebar = sidebar[: sidebar.index("</aside>")]
    titles = ["Welcome", "Second steps", "Deep dive", "Wrap-up"]
    outline = sorted((title for title in titles if title in sidebar), key=sidebar.index)
    pager = {}
    for tag in re.findall(r"<a\s[^>]*>", html):
        rel, href = re.search(r'rel="(\w+)"', tag), re.search(r'href="([^"]*)"', tag)
        if rel and href and rel[1] in ("prev", "next"):
            pager[rel[1]] = href[1]
    return outline, pager


def test_reordering_changes_prev_next_and_the_outline(editor_client, client, course):
    welcome, second = lesson(course, "basics/welcome"), lesson(course, "basics/second-steps")
    assert learner_page(client, welcome) == (
        ["Welcome", "Second steps", "Deep dive", "Wrap-up"],
        {"next": second.get_absolute_url()},
    )
    save_lesson(editor_client, second, position="-1")
    reading_order = list(course.lessons.order_by("order").values_list("doc_id", flat=True))
    assert reading_order[:2] == ["basics/second-steps", "basics/welcome"]
    deep_dive = lesson(course, "more/deep-dive")
    assert learner_page(client, welcome) == (
        ["Second steps", "Welcome", "Deep dive", "Wrap-up"],
        {"prev": second.get_absolute_url(), "next": deep_dive.get_absolute_url()},
    )


def test_moving_a_lesson_to_another_section_recomputes_reading_order(editor_client, course):
    wrap_up = lesson(course, "more/wrap-up")
    basics = course.sections.get(path="basics")
    save_lesson(editor_client, wrap_up, section=basics.pk)
    reading_order = list(course.lessons.order_by("order").values_list("doc_id", flat=True))
    assert reading_order.index("more/wrap-up") < reading_order.index("more/deep-dive")


def test_changing_a_path_rerenders_the_lessons_that_link_to_it(editor_client, course):
    deep_dive = lesson(course, "more/deep-dive")
    response = save_lesson(editor_client, deep_dive, path="more/deeper")
    assert response.status_code == 302
    welcome = lesson(course, "basics/welcome")
    assert 'href="/courses/admin-course/more/deeper/#details"' in welcome.body.html
    assert "/more/deep-dive/" not in welcome.body.html
    assert not welcome.edited_in_admin
    assert "Re-rendered 1 lesson linking to “Deep dive”." in messages_of(response)


def test_an_invalid_path_is_a_form_error(editor_client, course):
    response = save_lesson(editor_client, lesson(course, "more/deep-dive"), path="more/deep dive")
    assert response.status_code == 200
    assert "path" in response.context["adminform"].form.errors


def run_action(client, action, lessons):
    return client.post(
        reverse("admin:courses_lesson_changelist"),
        {"action": action, "_selected_action": [lesson.pk for lesson in lessons]},
    )


@pytest.mark.parametrize(
    ("action", "field", "before", "message"),
    [
        ("publish", "draft", True, "2 lessons published."),
        ("unpublish", "draft", False, "2 lessons unpublished."),
        ("archive", "archived", False, "2 lessons archived."),
        ("restore", "archived", True, "2 lessons restored."),
    ],
)
def test_actions_set_a_flag_and_count_what_changed(
    editor_client, course, action, field, before, message
):
    lessons = list(course.lessons.order_by("order")[:3])
    Lesson.objects.filter(pk__in=[lessons[0].pk, lessons[1].pk]).update(**{field: before})
    Lesson.objects.filter(pk=lessons[2].pk).update(**{field: not before})
    version = Course.objects.get(pk=course.pk).content_version
    response = run_action(editor_client, action, lessons)
    assert f"{message} 1 already was." in messages_of(response)
    changed = Lesson.objects.filter(pk__in=[lesson.pk for lesson in lessons])
    assert {getattr(lesson, field) for lesson in changed} == {not before}
    assert all(lesson.edited_in_admin for lesson in changed[:2])
    assert Course.objects.get(pk=course.pk).content_version == version + 1


def test_archived_lesson_disappears_from_the_learner_site(editor_client, client, course):
    wrap_up = lesson(course, "more/wrap-up")
    run_action(editor_client, "archive", [wrap_up])
    assert client.get(wrap_up.get_absolute_url()).status_code == 404


def test_section_inline_reorders_lessons(editor_client, course):
    basics = course.sections.get(path="basics")
    welcome, second = basics.lessons.order_by("order")
    response = submit(
        editor_client,
        change_url(basics),
        "section_form",
        **{"lessons-0-position": "2", "lessons-1-position": "1"},
    )
    assert response.status_code == 302
    assert list(basics.lessons.order_by("order")) == [second, welcome]
    assert lesson(course, "basics/welcome").edited_in_admin


def test_lesson_page_has_a_large_monospace_editor_and_read_only_source_fields(
    editor_client, course
):
    welcome = lesson(course, "basics/welcome")
    response = editor_client.get(change_url(welcome))
    form = response.context["adminform"].form
    assert 'class="markdown-source"' in str(form["markdown"])
    assert form["markdown"].initial == welcome.body.markdown
    assert {"source_path", "source_hash", "body_html", "markdown"} & set(form.fields) == {
        "markdown"
    }
    content = response.content.decode()
    assert "admin/coursebook-admin.css" in content
    assert welcome.source_path in content
    assert "View on site" in content


def test_lesson_list_runs_a_fixed_number_of_queries(
    editor_client, course, django_assert_num_queries
):
    url = reverse("admin:courses_lesson_changelist")
    with django_assert_num_queries(9):
        response = editor_client.get(url)
    assert response.status_code == 200


def test_anonymous_visitor_gets_the_admin_login(client, course):
    response = client.get(change_url(lesson(course, "basics/welcome")))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_learner_gets_the_admin_login(learner_client, course):
    response = learner_client.get(reverse("admin:courses_lesson_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def staff(client, username, *codenames):
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


def test_staff_without_permissions_cannot_open_a_lesson(client, course):
    staff(client, "sam")
    assert client.get(change_url(lesson(course, "basics/welcome"))).status_code == 403


def test_staff_who_may_only_view_cannot_save_a_lesson(client, course):
    staff(client, "vera", "view_lesson")
    welcome = lesson(course, "basics/welcome")
    assert client.get(change_url(welcome)).status_code == 200
    response = save_lesson(client, welcome, markdown="Vandalised.\n")
    assert response.status_code == 403
    welcome.refresh_from_db()
    assert "Vandalised" not in welcome.body.markdown


def test_renamed_section_and_course_keep_their_admin_edits_on_reimport(
    editor_client, client, course, course_dir
):
    basics = course.sections.get(path="basics")
    submit(editor_client, change_url(basics), "section_form", title="First things")
    submit(editor_client, change_url(course), "course_form", title="The Admin Course")
    report = import_content(str(course_dir))
    assert "kept admin edit (--force overwrites): section basics" in report
    assert "kept admin edit (--force overwrites): course admin-course" in report
    page = client.get(course.get_absolute_url()).content.decode()
    assert "First things" in page and "The Admin Course" in page


def test_section_renamed_on_the_course_page_keeps_its_edit_on_reimport(
    editor_client, course, course_dir
):
    more = course.sections.get(path="more")
    index = list(course.sections.order_by("order")).index(more)
    submit(
        editor_client, change_url(course), "course_form", **{f"sections-{index}-title": "Further"}
    )
    import_content(str(course_dir))
    more.refresh_from_db()
    assert (more.title, more.edited_in_admin) == ("Further", True)


def test_force_reimport_restores_section_and_course_from_the_files(
    editor_client, course, course_dir
):
    basics = course.sections.get(path="basics")
    submit(editor_client, change_url(basics), "section_form", title="First things")
    submit(editor_client, change_url(course), "course_form", title="The Admin Course")
    import_content(str(course_dir), "--force")
    basics.refresh_from_db()
    course.refresh_from_db()
    assert (basics.title, basics.edited_in_admin) == ("Basics", False)
    assert (course.title, course.edited_in_admin) == ("Admin Course", False)


def test_saving_a_section_untouched_leaves_it_following_its_folder(
    editor_client, course, course_dir
):
    basics = course.sections.get(path="basics")
    submit(editor_client, change_url(basics), "section_form")
    basics.refresh_from_db()
    assert not basics.edited_in_admin


def test_staff_who_may_only_view_cannot_run_actions(client, course):
    staff(client, "vera", "view_lesson")
    wrap_up = lesson(course, "more/wrap-up")
    run_action(client, "archive", [wrap_up])
    wrap_up.refresh_from_db()
    assert not wrap_up.archived


def test_imported_course_keeps_its_slug(editor_client, course):
    response = editor_client.get(change_url(course))
    assert "slug" not in response.context["adminform"].form.fields


def test_renaming_a_course_made_in_the_admin_relinks_its_lessons(editor_client):
    made = Course.objects.create(slug="made-here", title="Made here")
    first = make_lesson(
        made, doc_id="first", path="first", title="First", body_markdown="[On](./second.md)"
    )
    make_lesson(made, doc_id="second", path="second", title="Second", order=1)
    response = submit(editor_client, change_url(made), "course_form", slug="renamed")
    assert response.status_code == 302
    first.refresh_from_db()
    assert 'href="/courses/renamed/second/"' in first.body.html


def test_deleting_a_lesson_closes_the_gap_in_reading_order(editor_client, course):
    second = lesson(course, "basics/second-steps")
    response = editor_client.post(
        reverse("admin:courses_lesson_delete", args=[second.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert list(course.lessons.order_by("order").values_list("order", flat=True)) == [0, 1, 2]


def test_completion_saved_in_the_admin_takes_its_lessons_course(editor_client, course, learner):
    wrap_up = lesson(course, "more/wrap-up")
    response = submit(
        editor_client,
        reverse("admin:learners_completion_add"),
        "completion_form",
        user=learner.pk,
        lesson=wrap_up.pk,
    )
    assert response.status_code == 302
    completion = learner.completions.get()
    assert (completion.course, completion.content_hash) == (course, wrap_up.content_hash)


@pytest.mark.parametrize(
    "name",
    [
        "learners_user_changelist",
        "learners_user_add",
        "learners_completion_changelist",
        "learners_enrollment_changelist",
        "learners_checklisttick_changelist",
        "courses_section_changelist",
        "courses_asset_changelist",
        "courses_course_add",
        "courses_section_add",
        "courses_lesson_add",
    ],
)
def test_admin_pages_open_for_a_superuser(client, course, name):
    admin = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    client.force_login(admin)
    assert client.get(reverse(f"admin:{name}")).status_code == 200


@pytest.mark.parametrize(
    "name", ["learners_completion_changelist", "learners_enrollment_changelist"]
)
def test_progress_lists_run_the_same_queries_for_more_rows(editor_client, course, name):
    lessons = list(course.lessons.all())

    def add_learner(username):
        user = User.objects.create_user(username, f"{username}@example.com", PASSWORD)
        Enrollment.objects.create(user=user, course=course)
        for item in lessons:
            Completion.objects.create(user=user, course=course, lesson=item)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get(reverse(f"admin:{name}")).status_code == 200
        return len(captured)

    add_learner("one")
    few = queries()
    for n in range(5):
        add_learner(f"more{n}")
    assert queries() == few


def test_reimport_links_to_the_path_an_admin_edit_gave_a_lesson(editor_client, course, course_dir):
    deep_dive = lesson(course, "more/deep-dive")
    save_lesson(editor_client, deep_dive, path="more/deeper")
    welcome_file = course_dir / "01-basics" / "01-welcome.md"
    welcome_file.write_text(welcome_file.read_text() + "\nOne more line.\n")
    import_content(str(course_dir))
    welcome = lesson(course, "basics/welcome")
    assert "One more line." in welcome.body.html
    assert 'href="/courses/admin-course/more/deeper/#details"' in welcome.body.html
