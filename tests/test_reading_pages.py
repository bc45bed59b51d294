"""The catalogue, course and lesson pages: what a visitor and a learner read."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from courses.models import Lesson
from courses.rendering import render_markdown
from learners.models import Completion
from tests.makers import (
    bump_content_version,
    lessons_of,
    make_completions,
    make_course,
    make_course_with_lessons,
    make_lesson,
    make_section,
)

pytestmark = pytest.mark.django_db


def course_url(course):
    return reverse("courses:course", args=[course.slug])


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# Catalogue


def test_catalogue_lists_each_course_with_description_and_lesson_count(client):
    make_course_with_lessons(count=3, slug="first-steps")
    course = make_course(slug="empty-course", title="Empty course", description="Soon.")
    html = page(client, "/")
    assert "First Steps" in html
    assert "3 lessons" in html
    assert course.title in html and "Soon." in html and "0 lessons" in html


def test_catalogue_counts_only_listed_published_lessons(client):
    course = make_course_with_lessons(count=2)
    make_lesson(course, slug="draft", order=2, draft=True)
    make_lesson(course, slug="gone", order=3, archived=True)
    make_lesson(course, slug="hidden", order=4, unlisted=True)
    assert "2 lessons" in page(client, "/")


def test_catalogue_shows_visitors_no_progress(client):
    make_course_with_lessons(count=3)
    html = page(client, "/")
    assert "completed" not in html
    assert "View course" in html


def test_catalogue_shows_a_learner_their_progress_and_continue(learner_client, learner):
    course = make_course_with_lessons(count=3)
    make_completions(learner, lessons_of(course)[:1])
    html = page(learner_client, "/")
    assert "1 of 3 lessons completed" in html
    assert f'href="{lessons_of(course)[1].get_absolute_url()}">Continue' in html
    assert "Next up: Lesson 2" in html


def test_catalogue_offers_review_for_a_finished_course(learner_client, learner):
    course = make_course_with_lessons(count=2)
    make_completions(learner, lessons_of(course))
    html = page(learner_client, "/")
    assert "2 of 2 lessons completed" in html
    assert "Review" in html


def test_catalogue_never_shows_another_learners_progress(client, learner, other_learner):
    course = make_course_with_lessons(count=3)
    make_completions(other_learner, lessons_of(course))
    client.force_login(learner)
    assert "0 of 3 lessons completed" in page(client, "/")


@pytest.mark.parametrize("course_count", [1, 12])
def test_catalogue_runs_a_fixed_number_of_queries(
    learner_client, learner, course_count, django_assert_max_num_queries
):
    for n in range(course_count):
        course = make_course_with_lessons(count=4, slug=f"course-{n}")
        make_completions(learner, lessons_of(course)[:2])
    with django_assert_max_num_queries(5):
        learner_client.get("/")


# Course page


def test_course_page_lists_sections_and_lessons_in_reading_order(client):
    course = make_course_with_lessons(count=4, sections=2)
    html = page(client, course_url(course))
    positions = [html.index(text) for text in ["Part 1", "Lesson 1", "Lesson 2", "Part 2"]]
    assert positions == sorted(positions)
    assert html.index("Lesson 3") < html.index("Lesson 4")


def test_course_page_nests_subsections_inside_their_section(client):
    course = make_course()
    part = make_section(course, slug="part", title="The part", order=0)
    sub = make_section(
        course, slug="deeper", title="Deeper", order=1, parent=part, depth=1, path="part/deeper"
    )
    make_lesson(course, part, slug="intro", title="Intro", order=0)
    make_lesson(course, sub, slug="inner", title="Inner lesson", order=1)
    html = page(client, course_url(course))
    part_start = html.index("The part")
    assert part_start < html.index("Deeper") < html.index("Inner lesson")
    assert "outline--nested" in html[html.index("Deeper") :]


def test_course_page_hides_sections_without_listed_lessons(client):
    course = make_course_with_lessons(count=1)
    empty = make_section(course, slug="drafts-only", title="Drafts only", order=5)
    make_lesson(course, empty, slug="wip", order=5, draft=True)
    assert "Drafts only" not in page(client, course_url(course))


def test_course_page_starts_a_visitor_at_the_first_lesson(client):
    course = make_course_with_lessons(count=3)
    first = lessons_of(course)[0]
    html = page(client, course_url(course))
    assert "Start course" in html
    assert f'href="{first.get_absolute_url()}">Start course' in html
    assert "to track your progress" in html


def test_visitors_see_no_progress_marks_in_the_outline(client):
    course = make_course_with_lessons(count=3)
    for url in (course_url(course), lessons_of(course)[1].get_absolute_url()):
        html = page(client, url)
        assert "outline__mark" not in html
        assert "○" not in html


def test_course_page_shows_checkmarks_and_counts_for_the_learner(learner_client, learner):
    course = make_course_with_lessons(count=4, sections=2)
    make_completions(learner, lessons_of(course)[:1])
    html = page(learner_client, course_url(course))
    assert "1 of 4 lessons completed" in html
    assert html.count("outline__lesson--done") == 1
    assert html.count('<span class="outline__mark" aria-hidden="true">○</span>') == 3
    assert "1 of 2" in html  # first section
    assert "0 of 2" in html  # second section


def test_course_page_continues_at_the_first_lesson_not_completed(learner_client, learner):
    course = make_course_with_lessons(count=5)
    lessons = lessons_of(course)
    make_completions(learner, [lessons[0], lessons[2]])
    learner_client.get(lessons[3].get_absolute_url())
    html = page(learner_client, course_url(course))
    assert f'href="{lessons[1].get_absolute_url()}">Continue' in html
    assert "Next up: Lesson 2" in html


def test_course_page_offers_review_when_every_lesson_is_done(learner_client, learner):
    course = make_course_with_lessons(count=2)
    make_completions(learner, lessons_of(course))
    html = page(learner_client, course_url(course))
    assert "2 of 2 lessons completed" in html
    assert ">Review</a>" in html


def test_course_page_never_shows_another_learners_progress(client, learner, other_learner):
    course = make_course_with_lessons(count=3)
    make_completions(other_learner, lessons_of(course))
    client.force_login(learner)
    html = page(client, course_url(course))
    assert "0 of 3 lessons completed" in html
    assert "outline__lesson--done" not in html


def test_unknown_course_is_404(client):
    assert client.get("/courses/no-such-course/").status_code == 404


# Lesson page


def test_lesson_page_shows_breadcrumb_title_description_and_body(client):
    course = make_course(title="Deep Course")
    section = make_section(course, title="Chapter One")
    lesson = make_lesson(
        course,
        section,
        title="The Lesson",
        description="What it is about.",
        body_html='<p>Body with <a href="#x">a link</a>.</p>',
    )
    html = page(client, lesson.get_absolute_url())
    breadcrumb = html[html.index('aria-label="Breadcrumb"') :]
    assert breadcrumb.index("Deep Course") < breadcrumb.index("Chapter One")
    assert '<li aria-current="page">The Lesson</li>' in breadcrumb
    assert "<h1>The Lesson</h1>" in html
    assert "What it is about." in html
    assert '<p>Body with <a href="#x">a link</a>.</p>' in html


def test_lesson_page_hides_the_title_when_asked(client):
    lesson = make_lesson(make_course(), title="Quiet Title", hide_title=True)
    assert "<h1>Quiet Title</h1>" not in page(client, lesson.get_absolute_url())


def test_lesson_page_lists_on_this_page_from_the_stored_toc(client):
    toc = [
        {"id": "setup", "title": "Setting up", "level": 2},
        {"id": "details", "title": "Details", "level": 3},
    ]
    lesson = make_lesson(make_course(), toc=toc)
    html = page(client, lesson.get_absolute_url())
    assert "On this page" in html
    assert '<li class="toc-level-3"><a href="#details">Details</a></li>' in html


def test_lesson_page_hides_on_this_page_when_asked(client):
    toc = [{"id": "setup", "title": "Setting up", "level": 2}]
    lesson = make_lesson(make_course(), toc=toc, hide_table_of_contents=True)
    html = page(client, lesson.get_absolute_url())
    assert "On this page" not in html
    assert "lesson-layout--no-toc" in html


def test_sidebar_marks_the_current_lesson_and_opens_only_its_section(client):
    course = make_course_with_lessons(count=4, sections=2)
    current = lessons_of(course)[2]
    html = page(client, current.get_absolute_url())
    assert f'<a href="{current.get_absolute_url()}" aria-current="page">' in html
    sidebar = html[html.index("lesson-sidebar") : html.index('<article class="lesson">')]
    assert sidebar.count('aria-current="page"') == 1
    sections = re.split(r'<li class="outline__section" id="section-\d+">', sidebar)[1:]
    assert [section.lstrip().startswith("<details open>") for section in sections] == [
        False,
        True,
    ]


def test_sidebar_folds_behind_a_button_that_works_without_javascript(client):
    course = make_course_with_lessons(count=2)
    html = page(client, lessons_of(course)[0].get_absolute_url())
    assert '<details class="lesson-sidebar__toggle">' in html
    assert "<summary>Course outline" in html


def test_previous_and_next_follow_reading_order_across_sections(client):
    course = make_course_with_lessons(count=4, sections=2)
    lessons = lessons_of(course)
    html = page(client, lessons[1].get_absolute_url())
    assert f'href="{lessons[0].get_absolute_url()}" rel="prev"' in html
    assert f'href="{lessons[2].get_absolute_url()}" rel="next"' in html


def test_first_lesson_has_no_previous_and_last_has_no_next(client):
    course = make_course_with_lessons(count=2)
    first, last = lessons_of(course)
    assert 'rel="prev"' not in page(client, first.get_absolute_url())
    assert 'rel="next"' not in page(client, last.get_absolute_url())


def test_pagination_settings_hide_links_or_point_at_a_named_lesson(client):
    course = make_course_with_lessons(count=4)
    lessons = lessons_of(course)
    lessons[1].pagination_prev = None
    lessons[1].pagination_next = lessons[3].doc_id
    lessons[1].save()
    html = page(client, lessons[1].get_absolute_url())
    assert 'rel="prev"' not in html
    assert f'href="{lessons[3].get_absolute_url()}" rel="next"' in html


def test_draft_lesson_is_404(client, learner_client):
    lesson = make_lesson(make_course(), draft=True)
    assert client.get(lesson.get_absolute_url()).status_code == 404


def test_archived_lesson_is_404_even_to_a_learner_who_completed_it(learner_client, learner):
    lesson = make_lesson(make_course())
    make_completions(learner, [lesson])
    Lesson.objects.filter(pk=lesson.pk).update(archived=True)
    assert learner_client.get(lesson.get_absolute_url()).status_code == 404


def test_unlisted_lesson_opens_by_url_but_is_left_out_of_outline_counts_and_pager(client):
    course = make_course_with_lessons(count=2)
    first, second = lessons_of(course)
    hidden = make_lesson(course, slug="secret", title="Secret lesson", order=1, unlisted=True)
    Lesson.objects.filter(pk=second.pk).update(order=2)

    html = page(client, hidden.get_absolute_url())
    assert "<h1>Secret lesson</h1>" in html
    assert '" aria-current="page">' not in html  # not in the sidebar outline
    assert f'href="{first.get_absolute_url()}" rel="prev"' in html

    course_html = page(client, course_url(course))
    assert "Secret lesson" not in course_html
    assert "2 lessons" in course_html
    first_html = page(client, first.get_absolute_url())
    assert hidden.get_absolute_url() not in first_html
    assert f'href="{second.get_absolute_url()}" rel="next"' in first_html


def test_lesson_in_another_course_is_404(client):
    lesson = make_lesson(make_course(slug="one"))
    make_course(slug="two", title="Two")
    assert client.get(f"/courses/two/{lesson.path}/").status_code == 404


def test_visitor_is_asked_to_sign_in_with_a_way_back_to_the_lesson(client):
    lesson = make_lesson(make_course())
    html = page(client, lesson.get_absolute_url())
    login = reverse("login")
    assert f'href="{login}?next=/courses/intro-course/first/"' in html.replace("%2F", "/")
    assert "Sign in to track your progress" in html
    assert "Mark complete" not in html


def test_learner_sees_mark_complete_until_done_then_completed_and_mark_incomplete(
    learner_client, learner
):
    lesson = make_lesson(make_course())
    html = page(learner_client, lesson.get_absolute_url())
    assert ">Mark complete</button>" in html
    assert reverse("learners:complete", args=[lesson.course.slug, lesson.path]) in html
    make_completions(learner, [lesson])
    html = page(learner_client, lesson.get_absolute_url())
    assert "Completed" in html
    assert ">Mark incomplete</button>" in html
    assert ">Mark complete</button>" not in html


def test_lesson_forms_carry_a_csrf_token(learner_client):
    lesson = make_lesson(make_course())
    assert 'name="csrfmiddlewaretoken"' in page(learner_client, lesson.get_absolute_url())


def test_reading_a_lesson_never_stores_a_completion(learner_client, learner):
    course = make_course_with_lessons(count=2)
    for lesson in lessons_of(course):
        learner_client.get(lesson.get_absolute_url())
    assert not Completion.objects.exists()


# Sign-in requirement


def test_lessons_require_login_sends_visitors_to_sign_in(client, settings):
    settings.LESSONS_REQUIRE_LOGIN = True
    course = make_course_with_lessons(count=1)
    lesson = lessons_of(course)[0]
    for url in (course_url(course), lesson.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")


def test_lessons_require_login_lets_learners_read(learner_client, settings):
    settings.LESSONS_REQUIRE_LOGIN = True
    course = make_course_with_lessons(count=1)
    assert learner_client.get(lessons_of(course)[0].get_absolute_url()).status_code == 200


def test_lessons_are_open_to_visitors_by_default(client):
    course = make_course_with_lessons(count=1)
    assert client.get(lessons_of(course)[0].get_absolute_url()).status_code == 200


# Outline cache and query counts


def test_outline_is_rebuilt_when_the_content_version_changes(client):
    course = make_course_with_lessons(count=1)
    page(client, course_url(course))
    make_lesson(course, slug="late", title="Late addition", order=1)
    bump_content_version(course)
    assert "Late addition" in page(client, course_url(course))


def test_cached_outline_spares_the_lesson_queries(client, django_assert_num_queries):
    course = make_course_with_lessons(count=3)
    url = lessons_of(course)[1].get_absolute_url()
    page(client, url)
    with django_assert_num_queries(1):
        client.get(url)


@pytest.mark.parametrize("lesson_count,completion_count", [(10, 0), (300, 0), (300, 200)])
@pytest.mark.parametrize("page_name", ["course", "lesson"])
def test_course_and_lesson_pages_run_a_fixed_number_of_queries(
    client, learner, lesson_count, completion_count, page_name, django_assert_max_num_queries
):
    course = make_course_with_lessons(count=lesson_count, sections=10)
    lessons = lessons_of(course)
    make_completions(learner, lessons[:completion_count])
    client.force_login(learner)
    url = course_url(course) if page_name == "course" else lessons[5].get_absolute_url()
    cache.clear()
    # A learner's first lesson of a course also records that they opened it: a lookup, and
    # an insert in its own savepoint.
    with django_assert_max_num_queries(10 if page_name == "lesson" else 8):
        response = client.get(url)
    assert f"{completion_count} of {lesson_count} lessons completed" in response.content.decode()


@pytest.mark.parametrize("lesson_count", [10, 300])
def test_pages_for_visitors_run_a_fixed_number_of_queries(
    client, lesson_count, django_assert_max_num_queries
):
    course = make_course_with_lessons(count=lesson_count, sections=10)
    lesson = lessons_of(course)[5]
    with django_assert_max_num_queries(4):
        client.get(course_url(course))
    cache.clear()
    with django_assert_max_num_queries(4):
        client.get(lesson.get_absolute_url())


# The page around them


def test_header_offers_sign_in_and_sign_up_returning_to_the_page(client):
    course = make_course_with_lessons(count=1)
    html = page(client, course_url(course))
    header = html[html.index('<header class="site-header">') : html.index("</header>")]
    back = "?next=/courses/intro-course/"
    assert f'<a href="/accounts/login/{back}">Sign in</a>' in header
    assert f'<a class="button button--small" href="/accounts/signup/{back}">Sign up</a>' in header


def test_pages_link_a_favicon_and_one_is_served_where_browsers_look(client, db):
    html = page(client, "/")
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"


def test_the_theme_script_runs_before_the_page_is_drawn_and_the_dark_theme_follows_the_system(
    client, db
):
    head = page(client, "/").split("</head>")[0]
    dark = '<link rel="stylesheet" href="/static/coursebook-dark.css"'
    assert f'{dark} media="screen and (prefers-color-scheme: dark)" data-dark-theme>' in head
    # Parser-blocking (no defer or async) and after the stylesheets, so that it can switch
    # the dark stylesheet before anything is drawn.
    assert '<script src="/static/theme.js"></script>' in head
    assert head.index("theme.js") > head.index("coursebook-dark.css")


def test_a_broken_link_in_a_lesson_reads_as_plain_text(client):
    course = make_course_with_lessons(count=1)
    html = render_markdown(
        "See [the gone lesson](./gone.md).", resolve_link=lambda path: None
    ).html
    lesson = make_lesson(course, slug="broken", title="Broken", order=5, body_html=html)
    body = page(client, lesson.get_absolute_url())
    assert '<span class="broken-link">the gone lesson</span>' in body
    assert "gone.md" not in body
