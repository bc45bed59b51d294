"""Pages make the same few queries whatever the size of the course and of the learner's
progress. The catalogue, course and lesson pages are pinned beside their other tests
(tests/test_reading_pages.py); `make bench` reports all five at 10 and 1,000 lessons."""

import pytest
from django.urls import reverse

from courses.models import Lesson, LessonBody, content_hash
from tests.makers import make_completions, make_course, make_section

pytestmark = pytest.mark.django_db

# Session, user, then the page's own: the learner's courses with lesson counts, their
# completion counts, the lesson to read next in each, and the recent completions.
DASHBOARD_QUERIES = 6
# Session, user, the ranked lesson ids, the page's lessons, the learner's completions.
SEARCH_QUERIES = 5


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
