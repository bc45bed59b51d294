"""The outline markup: written once per course version, filled in per learner and page."""

import pytest

from courses.models import Lesson
from tests.makers import lessons_of, make_completions, make_course_with_lessons

pytestmark = pytest.mark.django_db


@pytest.fixture
def large_course(monkeypatch):
    """A course over the size from which the sidebar folds: 3 sections of 2 lessons."""
    monkeypatch.setattr("courses.outline_html.FULL_OUTLINE_LESSONS", 4)
    return make_course_with_lessons(count=6, sections=3)


def sidebar(html):
    return html[html.index("lesson-sidebar") : html.index('<article class="lesson">')]


def test_large_course_sidebar_lists_only_the_open_sections_lessons(client, large_course):
    lessons = lessons_of(large_course)
    html = sidebar(client.get(lessons[2].get_absolute_url()).content.decode())
    assert "Lesson 3" in html and "Lesson 4" in html
    assert "Lesson 1" not in html and "Lesson 6" not in html
    assert html.count("<details open>") == 1


def test_large_course_sidebar_links_each_folded_section_to_its_first_lesson(client, large_course):
    lessons = lessons_of(large_course)
    html = sidebar(client.get(lessons[2].get_absolute_url()).content.decode())
    for first in (lessons[0], lessons[4]):
        assert f'<a class="outline__section-link" href="{first.get_absolute_url()}">' in html
    assert html.index("Part 1") < html.index("Part 2") < html.index("Part 3")


def test_folded_sections_show_the_learners_counts(client, learner, large_course):
    make_completions(learner, lessons_of(large_course)[:1])
    client.force_login(learner)
    html = sidebar(client.get(lessons_of(large_course)[2].get_absolute_url()).content.decode())
    assert '<span class="outline__count">1 of 2</span></a>' in html


def contents(html):
    return html[html.index('id="contents"') :]


def test_large_course_page_lists_the_section_a_visitor_starts_with(client, large_course):
    html = contents(client.get(large_course.get_absolute_url()).content.decode())
    assert "Lesson 1<" in html and "Lesson 2<" in html
    assert "Lesson 3<" not in html and "Lesson 6<" not in html
    assert html.count("outline__section--folded") == 2


def test_large_course_page_lists_the_section_the_learner_reads_next(client, learner, large_course):
    make_completions(learner, lessons_of(large_course)[:3])
    client.force_login(learner)
    html = contents(client.get(large_course.get_absolute_url()).content.decode())
    assert "Lesson 4<" in html
    assert "Lesson 1<" not in html and "Lesson 5<" not in html
    assert '<span class="outline__count">2 of 2</span></a>' in html


def test_folded_section_on_the_course_page_opens_in_place(client, large_course):
    part_3 = large_course.sections.get(title="Part 3")
    html = contents(client.get(large_course.get_absolute_url()).content.decode())
    link = f"{large_course.get_absolute_url()}?section={part_3.pk}#section-{part_3.pk}"
    assert f'<a class="outline__section-link" href="{link}">' in html

    html = contents(client.get(link.split("#")[0]).content.decode())
    assert f'<li class="outline__section" id="section-{part_3.pk}">' in html
    assert "Lesson 5<" in html and "Lesson 6<" in html
    assert "Lesson 1<" in html  # where the visitor starts stays open


@pytest.mark.parametrize("asked_for", ["999999", "abc", "²", "-1"])
def test_course_page_ignores_a_section_it_does_not_have(client, large_course, asked_for):
    response = client.get(large_course.get_absolute_url(), {"section": asked_for})
    assert response.status_code == 200
    assert contents(response.content.decode()).count("outline__section--folded") == 2


def test_small_course_page_lists_every_lesson(client):
    course = make_course_with_lessons(count=4, sections=2)
    html = contents(client.get(course.get_absolute_url()).content.decode())
    assert all(f"Lesson {n}<" in html for n in range(1, 5))
    assert "outline__section--folded" not in html


def test_small_course_sidebar_keeps_every_lesson(client):
    course = make_course_with_lessons(count=4, sections=2)
    html = sidebar(client.get(lessons_of(course)[2].get_absolute_url()).content.decode())
    assert all(f"Lesson {n}<" in html for n in range(1, 5))
    assert "outline__section--folded" not in html


def test_outline_markup_escapes_titles(client):
    course = make_course_with_lessons(count=2)
    Lesson.objects.filter(course=course, order=1).update(title="<b>Bold</b> & more")
    html = client.get(course.get_absolute_url()).content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; more" in html
    assert "<b>Bold</b>" not in html


def test_each_learner_sees_their_own_checkmarks_from_one_shared_markup(
    client, learner, other_learner
):
    course = make_course_with_lessons(count=3)
    make_completions(learner, lessons_of(course)[:2])
    client.force_login(learner)
    assert client.get(course.get_absolute_url()).content.decode().count("lesson--done") == 2
    client.force_login(other_learner)
    assert "lesson--done" not in client.get(course.get_absolute_url()).content.decode()
