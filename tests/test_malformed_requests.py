"""NUL bytes and undecodable bytes in addresses, query strings, forms, headers and cookies
answer 404 or 400, or count as no session: never a 500, on SQLite and on PostgreSQL (which
cannot store or compare text holding a NUL byte)."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from learners.models import Completion, User
from tests.conftest import PASSWORD
from tests.makers import make_course_with_lessons

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-longer-new-passphrase-42"
SESSION_ENGINES = [
    "django.contrib.sessions.backends.db",
    # What REDIS_URL switches to: the cache first, then the database.
    "django.contrib.sessions.backends.cached_db",
]


@pytest.fixture
def course(db):
    return make_course_with_lessons(count=2)


def browser(**headers):
    """A client that shows what a browser would get instead of re-raising errors."""
    return Client(raise_request_exception=False, **headers)


@pytest.fixture
def signed_in(learner):
    client = browser()
    client.force_login(learner)
    return client


def assert_bad_request(response):
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.content.decode()


# Addresses


@pytest.mark.parametrize("part", ["a%00b", "%00", "a%FFb", "%C0%80", "a%ED%A0%80b"])
def test_lesson_address_with_a_nul_or_undecodable_byte_is_404(course, part):
    response = browser().get(f"/courses/{course.slug}/{part}/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_course_and_asset_addresses_with_a_nul_byte_are_404(course):
    assert browser().get("/courses/a%00b/").status_code == 404
    assert browser().get(f"/courses/{course.slug}/assets/%00/x.png").status_code == 404
    assert browser().get(f"/courses/{course.slug}/assets/0123/x%00.png").status_code == 404


@pytest.mark.parametrize("action", ["complete", "incomplete"])
def test_marking_a_lesson_whose_address_holds_a_nul_byte_is_404_and_stores_nothing(
    signed_in, course, action
):
    response = signed_in.post(f"/courses/{course.slug}/a%00b/{action}/")
    assert response.status_code == 404
    assert not Completion.objects.exists()


# Query strings


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/search/", {"q": "attention\0"}),
        ("/search/", {"q": "x", "course": "\0"}),
        ("/search/", {"q\0": "x"}),
        ("/accounts/login/", {"next": "/\0"}),
        ("/accounts/signup/", {"next": "/dashboard/\0"}),
    ],
)
def test_query_string_with_a_nul_byte_is_a_bad_request(course, url, params):
    assert_bad_request(browser().get(url, params))


def test_undecodable_query_string_is_read_as_replacement_characters(course):
    response = browser().get("/search/?q=attention%FF%FE")
    assert response.status_code == 200
    assert "attention\ufffd\ufffd" in response.content.decode()


def test_staff_search_and_autocomplete_with_a_nul_byte_are_bad_requests(editor):
    client = browser()
    client.force_login(editor)
    assert_bad_request(client.get("/admin/learners/user/", {"q": "ada\0"}))
    assert_bad_request(
        client.get(
            "/admin/autocomplete/",
            {"term": "a\0", "app_label": "learners", "model_name": "completion"},
        )
    )


# Forms


def test_sign_in_with_a_nul_byte_is_a_bad_request_and_counts_no_failure(learner):
    client = browser()
    assert_bad_request(client.post(reverse("login"), {"username": "ada\0", "password": "x"}))
    assert_bad_request(client.post(reverse("login"), {"username": "ada", "password": "x\0"}))
    assert not AccessAttempt.objects.exists()
    assert "_auth_user_id" not in client.session


def test_sign_up_with_a_nul_byte_is_a_bad_request_and_creates_no_account(db):
    fields = {
        "username": "newcomer\0",
        "email": "newcomer@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    assert_bad_request(browser().post(reverse("learners:signup"), fields))
    assert not User.objects.filter(username__startswith="newcomer").exists()


def test_password_change_with_a_nul_byte_is_a_bad_request_and_keeps_the_password(
    signed_in, learner
):
    response = signed_in.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD + "\0",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert_bad_request(response)
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


def test_password_reset_with_a_nul_byte_is_a_bad_request_and_sends_nothing(learner):
    assert_bad_request(browser().post(reverse("password_reset"), {"email": "ada@example.com\0"}))
    assert mail.outbox == []


def test_staff_action_with_a_nul_byte_in_an_id_is_a_bad_request(editor, course):
    client = browser()
    client.force_login(editor)
    response = client.post(
        "/admin/courses/lesson/",
        {"action": "archive_lessons", "_selected_action": ["1\0"], "index": "0"},
    )
    assert_bad_request(response)


def test_undecodable_form_bytes_are_read_as_replacement_characters(learner):
    response = browser().post(
        reverse("login"),
        b"username=ada%FF&password=wrong",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "ada\ufffd"


# Headers


def test_failed_sign_in_with_a_nul_byte_in_a_header_is_a_bad_request(learner):
    client = browser(HTTP_USER_AGENT="Mozilla\0")
    assert_bad_request(client.post(reverse("login"), {"username": "ada", "password": "wrong"}))
    assert not AccessAttempt.objects.exists()


# Cookies


def session_cookie_of(client):
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.parametrize("engine", SESSION_ENGINES)
@pytest.mark.parametrize(
    "cookie",
    [
        "abcdefgh\0ijklmnop",
        # A quoted cookie may spell the NUL byte as an octal escape, which passes servers
        # that refuse raw NUL bytes in headers.
        '"abcdefgh\\000ijklmnop"',
        "abcdefgh\xffijklmnop",
        "%00",
    ],
    ids=["nul", "escaped nul", "undecodable", "percent"],
)
def test_session_cookie_with_a_nul_or_undecodable_byte_counts_as_no_session(
    settings, course, engine, cookie
):
    settings.SESSION_ENGINE = engine
    client = browser(HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}={cookie}")
    assert client.get("/").status_code == 200
    assert client.get(course.get_absolute_url()).status_code == 200
    dashboard = client.get(reverse("learners:dashboard"))
    assert dashboard.status_code == 302
    assert dashboard.url.startswith(reverse("login"))


@pytest.mark.parametrize("engine", SESSION_ENGINES)
def test_a_nul_byte_added_to_a_real_session_cookie_signs_nobody_in(settings, learner, engine):
    settings.SESSION_ENGINE = engine
    signed_in = browser()
    signed_in.force_login(learner)
    key = session_cookie_of(signed_in)
    client = browser(HTTP_COOKIE=f'{settings.SESSION_COOKIE_NAME}="{key}\\000"')
    assert client.get(reverse("learners:dashboard")).status_code == 302


@pytest.mark.parametrize("engine", SESSION_ENGINES)
def test_signing_in_over_a_session_cookie_with_a_nul_byte_works(settings, learner, engine):
    settings.SESSION_ENGINE = engine
    client = browser(HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=abcdefgh\0ijklmnop")
    response = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    client.defaults.pop("HTTP_COOKIE")
    assert client.get(reverse("learners:dashboard")).status_code == 200
