"""The course-complete page with its certificate, and the name a learner shows on it."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from learners.models import Completion
from tests.makers import lessons_of, make_completions, make_course_with_lessons

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("learners:account")


def finished_url(course):
    return reverse("learners:course_complete", args=[course.slug])


@pytest.fixture
def course(db):
    return make_course_with_lessons(count=3, slug="small-course")


@pytest.fixture
def finished(learner, course):
    """The learner completed every lesson, the last on 4 March 2025."""
    make_completions(learner, lessons_of(course))
    for day, lesson in enumerate(lessons_of(course), start=2):
        Completion.objects.filter(user=learner, lesson=lesson).update(
            completed_at=datetime(2025, 3, day, 15, tzinfo=UTC)
        )
    return course


def certificate(html):
    return html[html.index('<section class="certificate"') : html.index("</section>")]


def test_the_page_shows_the_course_the_date_the_lessons_and_a_certificate(
    learner_client, finished
):
    html = learner_client.get(finished_url(finished)).content.decode()
    assert "You finished “Small Course”" in html
    assert "All 3 lessons completed, finished on" in html
    assert "4 March 2025" in html
    for lesson in lessons_of(finished):
        assert f'<a href="{lesson.get_absolute_url()}">{lesson.title}</a>' in html
    assert f'href="{finished.get_absolute_url()}">Review the course' in html
    text = certificate(html)
    assert "Certificate of completion" in text
    assert "ada" in text and "Small Course" in text and "4 March 2025" in text


def test_the_certificate_shows_the_name_the_learner_chose(learner_client, learner, finished):
    learner.first_name, learner.last_name = "Ada", "Lovelace"
    learner.save()
    html = learner_client.get(finished_url(finished)).content.decode()
    assert "Ada Lovelace" in certificate(html)
    response = learner_client.post(
        ACCOUNT, {"display_name": "Augusta Ada King", "next": finished_url(finished)}
    )
    assert response.url == finished_url(finished)
    text = certificate(learner_client.get(finished_url(finished)).content.decode())
    assert "Augusta Ada King" in text and "Lovelace" not in text


def test_an_unfinished_learner_is_sent_to_the_course_page(learner_client, learner, course):
    make_completions(learner, lessons_of(course)[:2])
    response = learner_client.get(finished_url(course), follow=True)
    assert response.redirect_chain == [(course.get_absolute_url(), 302)]
    html = response.content.decode()
    assert "You have not finished “Small Course” yet." in html
    assert "Certificate of completion" not in html


def test_another_learners_finished_course_shows_no_certificate(client, other_learner, finished):
    client.force_login(other_learner)
    response = client.get(finished_url(finished))
    assert response.url == finished.get_absolute_url()


def test_a_visitor_is_sent_to_sign_in(client, finished):
    response = client.get(finished_url(finished))
    assert response.url.startswith(reverse("login") + "?next=")


def test_an_unknown_course_is_404(learner_client):
    response = learner_client.get(reverse("learners:course_complete", args=["nope"]))
    assert response.status_code == 404


def test_a_finished_course_page_links_to_the_certificate(learner_client, finished):
    html = learner_client.get(finished.get_absolute_url()).content.decode()
    assert f'href="{finished_url(finished)}">Your certificate' in html


def test_the_page_runs_a_fixed_number_of_queries(
    learner_client, finished, django_assert_max_num_queries
):
    learner_client.get(finished_url(finished))
    # Session, user, the course, the learner's completions, the date of the last one.
    with django_assert_max_num_queries(5):
        assert learner_client.get(finished_url(finished)).status_code == 200


# The account page


def test_account_page_shows_the_name_used_when_none_is_chosen(learner_client):
    html = learner_client.get(ACCOUNT).content.decode()
    assert "Name on your certificates" in html
    assert "Leave it empty to use your full name or username." in html


def test_an_empty_name_goes_back_to_the_username(learner_client, learner):
    learner.display_name = "Someone"
    learner.save()
    response = learner_client.post(ACCOUNT, {"display_name": ""}, follow=True)
    assert "Your certificates now show “ada”." in response.content.decode()


def test_the_account_page_never_sends_the_learner_off_site(learner_client):
    response = learner_client.post(
        ACCOUNT, {"display_name": "Ada", "next": "https://evil.example/"}
    )
    assert response.url == ACCOUNT


def test_a_visitor_cannot_open_the_account_page(client):
    assert client.get(ACCOUNT).url.startswith(reverse("login"))


def test_changing_the_name_without_a_csrf_token_is_refused(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.post(ACCOUNT, {"display_name": "Mallory"}).status_code == 403
    learner.refresh_from_db()
    assert learner.display_name == ""
