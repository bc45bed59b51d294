"""Pages make the same few queries whatever the size of the course and of the learner's
progress: at most five. Here once a page has been shown (its outline and prerendered page
kept); the first request after an import is pinned in tests/test_reading_pages.py. `make
bench` reports them all at 10 and 1,000 lessons."""

import pytest
from django.urls import reverse

from courses.models import Lesson, LessonBody, content_hash
from tests.makers import make_checklist_lesson, make_completions, make_course, make_section

pytestmark = pytest.mark.django_db

# Session, user, then the page's own: the learner's courses with lesson and completion
# counts, the lesson to read next in each, and the recent completions.
DASHBOARD_QUERIES = 5
# Session, user, the ranked lesson ids, the page's lessons, the learner's completions.
SEARCH_QUERIES = 5
# Session, user, the course's version, the learner's completions (and whether they opened it).
READING_QUERIES = 4


def make_course_of(size):
    """A course of `size` lessons in sections of 20, each lesson about transformers."""
    course = make_course(slug=f"course-{size}", title=f"Course of {size}")
    sections = [
        make_section(course, slug=f"part-{n}", title=f"Part {n}", order=n)
        for n in range(max(1, size // 20))
    ]
    body = "# Lesson\n\nHow a transformer reads a sequence of tokens.\n"
    bodies = LessonBody.objects.bulk_create(
        LessonBody(
            title=f"Lesson {n}",
            markdown=body,
            html="<p>How a transformer reads a sequence of tokens.</p>",
        )
        for n in range(size)
    )
    return Lesson.objects.bulk_create(
        Lesson(
            course=course,
            section=sections[n * len(sections) // size],
            doc_id=f"lesson-{n}",
            path=f"lesson-{n}",
            title=f"Lesson {n}",
            order=n,
            body=bodies[n],
            content_hash=content_hash(body),
        )
        for n in range(size)
    )


@pytest.mark.parametrize("size", [10, 1000])
def test_dashboard_queries_do_not_grow_with_course_or_progress(
    learner_client, learner, size, django_assert_num_queries
):
    make_completions(learner, make_course_of(size)[:500])
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = learner_client.get(reverse("learners:dashboard"))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [10, 1000])
def test_search_queries_do_not_grow_with_course_or_progress(
    learner_client, learner, size, django_assert_num_queries
):
    make_completions(learner, make_course_of(size)[:500])
    with django_assert_num_queries(SEARCH_QUERIES):
        response = learner_client.get(reverse("courses:search"), {"q": "transformer"})
    assert response.status_code == 200
    assert f"{size} lessons match" in response.content.decode()


def page_url(lessons, page):
    if page == "course":
        return lessons[0].course.get_absolute_url()
    return lessons[5].get_absolute_url()


@pytest.mark.parametrize("size", [10, 1000])
@pytest.mark.parametrize("page", ["course", "lesson"])
def test_reading_pages_make_four_queries_whatever_the_size(
    learner_client, learner, size, page, django_assert_num_queries
):
    lessons = make_course_of(size)
    make_completions(learner, lessons[:500])
    url = (
        lessons[0].course.get_absolute_url() if page == "course" else lessons[5].get_absolute_url()
    )
    learner_client.get(url)
    with django_assert_num_queries(READING_QUERIES):
        response = learner_client.get(url)
    assert f"{min(size, 500)} of {size}" in response.content.decode()


@pytest.mark.parametrize("page", ["course", "lesson"])
def test_reading_pages_make_one_query_for_a_visitor(client, page, django_assert_num_queries):
    lessons = make_course_of(1000)
    url = (
        lessons[0].course.get_absolute_url() if page == "course" else lessons[5].get_absolute_url()
    )
    client.get(url)
    with django_assert_num_queries(1):
        response = client.get(url)
    assert response.status_code == 200


def test_a_checklist_lesson_makes_five_queries(learner_client, learner, django_assert_num_queries):
    lessons = make_course_of(10)
    checklist = make_checklist_lesson(lessons[0].course, ["I can do it"], order=99)
    make_completions(learner, lessons[:5])
    learner_client.get(checklist.get_absolute_url())
    # Those of every lesson page, and the lesson's body with the learner's ticks in it.
    with django_assert_num_queries(READING_QUERIES + 1):
        response = learner_client.get(checklist.get_absolute_url())
    assert 'form="checklist"' in response.content.decode()
