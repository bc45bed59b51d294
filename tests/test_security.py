"""Hostile requests: forged posts, off-site redirects, password guessing, hidden lessons,
outsiders in the admin, and the headers and cookies every response carries.

Covered elsewhere, not repeated here: a forged post to complete (test_progress), reset
progress (test_dashboard) and sign up (test_accounts); GET on complete, incomplete, reset
and sign out (test_progress, test_dashboard, test_accounts); the lockout page's message and
the password reset answering the same for unknown emails (test_accounts)."""

import json
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from whitenoise.middleware import WhiteNoiseFileResponse

from courses.models import Lesson
from learners.models import Completion, PasswordResetRequest, User
from tests.conftest import PASSWORD
from tests.makers import make_completions, make_course_with_lessons, make_lesson
from tests.test_foundation import PRODUCTION_ENV, run_manage

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
LOGOUT = reverse("logout")
ADMIN_LOGIN = reverse("admin:login")
PASSWORD_CHANGE = reverse("password_change")
PASSWORD_RESET = reverse("password_reset")
NEW_PASSWORD = "a-much-longer-new-passphrase-42"
OFF_SITE = [
    "https://evil.example/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The hashing cost is beside the point here, and these tests sign in a lot."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def lessons(db):
    course = make_course_with_lessons(count=3)
    return list(Lesson.objects.filter(course=course).order_by("order"))


@pytest.fixture
def forger():
    """A client that, like a browser on another site, posts without the CSRF token."""
    return Client(enforce_csrf_checks=True)


def is_signed_in(client):
    return "_auth_user_id" in client.session


def csrf_token_of(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


# Every form needs its CSRF token


def test_forged_mark_incomplete_is_refused_and_keeps_the_completion(forger, learner, lessons):
    make_completions(learner, lessons[:1])
    forger.force_login(learner)
    url = reverse("learners:incomplete", args=[lessons[0].course.slug, lessons[0].path])
    assert forger.post(url).status_code == 403
    assert Completion.objects.filter(user=learner).count() == 1


def test_forged_sign_out_is_refused_and_keeps_the_learner_signed_in(forger, learner):
    forger.force_login(learner)
    assert forger.post(LOGOUT).status_code == 403
    assert is_signed_in(forger)


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_forged_sign_in_is_refused_and_signs_nobody_in(forger, editor, url):
    response = forger.post(url, {"username": editor.username, "password": PASSWORD})
    assert response.status_code == 403
    assert not is_signed_in(forger)


def test_sign_in_with_the_token_from_the_sign_in_page_works(forger, learner):
    token = csrf_token_of(forger.get(LOGIN).content.decode())
    response = forger.post(
        LOGIN,
        {"username": learner.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert is_signed_in(forger)


def test_forged_password_change_is_refused_and_keeps_the_password(forger, learner):
    forger.force_login(learner)
    response = forger.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 403
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


def test_forged_password_reset_request_is_refused_and_sends_no_mail(forger, learner):
    assert forger.post(reverse("password_reset"), {"email": learner.email}).status_code == 403
    assert mail.outbox == []


def test_forged_new_password_from_a_reset_link_is_refused(forger, learner):
    uid = urlsafe_base64_encode(force_bytes(learner.pk))
    token = default_token_generator.make_token(learner)
    form = forger.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    assert form.status_code == 200
    response = forger.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 403
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


def test_forged_admin_edit_is_refused_and_keeps_the_lesson(forger, editor, lessons):
    forger.force_login(editor)
    url = reverse("admin:courses_lesson_change", args=[lessons[0].pk])
    assert forger.post(url, {"title": "Defaced"}).status_code == 403
    assert Lesson.objects.get(pk=lessons[0].pk).title == lessons[0].title


def test_forged_admin_action_is_refused_and_archives_nothing(forger, editor, lessons):
    forger.force_login(editor)
    response = forger.post(
        reverse("admin:courses_lesson_changelist"),
        {"action": "archive", "_selected_action": [lesson.pk for lesson in lessons]},
    )
    assert response.status_code == 403
    assert not Lesson.objects.filter(archived=True).exists()


def test_forged_admin_sign_out_is_refused(forger, editor):
    forger.force_login(editor)
    assert forger.post(reverse("admin:logout")).status_code == 403
    assert is_signed_in(forger)


# Redirects stay on this site


@pytest.mark.parametrize("next_url", OFF_SITE)
def test_sign_in_never_redirects_off_site(client, learner, next_url):
    response = client.post(
        LOGIN, {"username": learner.username, "password": PASSWORD, "next": next_url}
    )
    assert response.url == reverse("learners:dashboard")


@pytest.mark.parametrize("next_url", OFF_SITE)
def test_sign_up_never_redirects_off_site(client, next_url):
    response = client.post(
        reverse("learners:signup"),
        {
            "username": "newcomer",
            "email": "newcomer@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": next_url,
        },
    )
    assert response.url == reverse("courses:catalogue")


@pytest.mark.parametrize("next_url", OFF_SITE)
def test_signed_in_learner_opening_sign_up_is_not_sent_off_site(learner_client, next_url):
    response = learner_client.get(reverse("learners:signup"), {"next": next_url})
    assert response.url == reverse("learners:dashboard")


@pytest.mark.parametrize("next_url", OFF_SITE)
def test_sign_out_never_redirects_off_site(learner_client, next_url):
    response = learner_client.post(LOGOUT, {"next": next_url})
    assert response.url == reverse("courses:catalogue")


# Hidden lessons stay hidden


@pytest.mark.parametrize("state", [{"draft": True}, {"archived": True}])
def test_hidden_lesson_is_404_everywhere_and_never_linked(learner_client, learner, state):
    course = make_course_with_lessons(count=2)
    hidden = make_lesson(course, slug="hidden", title="Hidden lesson", order=5, **state)
    make_completions(learner, [hidden])
    args = [course.slug, hidden.path]
    assert learner_client.get(hidden.get_absolute_url()).status_code == 404
    assert learner_client.post(reverse("learners:incomplete", args=args)).status_code == 404
    assert learner_client.post(reverse("learners:complete", args=args)).status_code == 404
    for lesson in Lesson.objects.filter(course=course).exclude(pk=hidden.pk):
        assert (
            "Hidden lesson" not in learner_client.get(lesson.get_absolute_url()).content.decode()
        )
    assert "Hidden lesson" not in learner_client.get(course.get_absolute_url()).content.decode()


# The admin is for staff


def admin_urls():
    """The list and add page of every model in the admin."""
    for model in admin.site._registry:
        for page in ("changelist", "add"):
            yield reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}")


def admitted(client):
    return [
        url
        for url in admin_urls()
        if not client.get(url).get("Location", "").startswith(ADMIN_LOGIN)
    ]


def test_visitors_are_sent_to_the_admin_sign_in_from_every_admin_page(client):
    assert len(list(admin_urls())) >= 14
    assert admitted(client) == []


def test_learners_are_sent_to_the_admin_sign_in_from_every_admin_page(learner_client):
    assert admitted(learner_client) == []


# Password guessing is throttled, in the database


def fail_sign_in(client, username, times):
    for _ in range(times):
        client.post(LOGIN, {"username": username, "password": "wrong"})


def sign_in(client, user):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD})


def test_failed_sign_ins_are_counted_in_the_database(client, learner, settings):
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    fail_sign_in(client, learner.username, 2)
    attempt = AccessAttempt.objects.get(username=learner.username)
    assert (attempt.ip_address, attempt.failures_since_start) == ("127.0.0.1", 2)


def test_lockout_holds_for_a_fresh_client_after_the_cache_is_cleared(client, learner, settings):
    """What another app server sees: only the database is shared."""
    fail_sign_in(client, learner.username, settings.AXES_FAILURE_LIMIT)
    cache.clear()
    response = sign_in(Client(), learner)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "Skip to content" in response.content.decode()


def test_lockout_is_per_user_and_address(client, learner, other_learner, settings):
    fail_sign_in(client, learner.username, settings.AXES_FAILURE_LIMIT)
    assert sign_in(Client(), learner).status_code == 429
    assert sign_in(Client(), other_learner).status_code == 302
    assert sign_in(Client(REMOTE_ADDR="203.0.113.9"), learner).status_code == 302


def behind_the_proxy(forwarded_for):
    """A client as the app sees it behind one proxy (a load balancer at 10.0.0.1)."""
    return Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)


def test_behind_a_proxy_each_client_address_is_throttled_apart(learner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    fail_sign_in(behind_the_proxy("198.51.100.7"), learner.username, settings.AXES_FAILURE_LIMIT)
    assert sign_in(behind_the_proxy("198.51.100.7"), learner).status_code == 429
    assert sign_in(behind_the_proxy("203.0.113.5"), learner).status_code == 302
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_client_cannot_dodge_throttling_with_its_own_forwarded_header(
    learner, settings, proxies
):
    settings.TRUSTED_PROXY_COUNT = proxies
    for n in range(settings.AXES_FAILURE_LIMIT + 1):
        # The client's own header first, then what the proxy appended.
        fail_sign_in(behind_the_proxy(f"192.0.2.{n}, 198.51.100.7"), learner.username, 1)
    assert sign_in(behind_the_proxy("192.0.2.99, 198.51.100.7"), learner).status_code == 429


def test_admin_sign_in_is_throttled_too(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(ADMIN_LOGIN, {"username": editor.username, "password": "wrong"})
    response = client.post(ADMIN_LOGIN, {"username": editor.username, "password": PASSWORD})
    assert response.status_code == 429
    assert not is_signed_in(client)


def test_lockout_ends_after_the_cool_off(client, learner, settings):
    fail_sign_in(client, learner.username, settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, learner).status_code == 429
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off - timedelta(minutes=1))
    assert sign_in(client, learner).status_code == 302


# Wrong old passwords on the password-change pages count as failed sign-ins


def change_password(client, old_password, url=PASSWORD_CHANGE):
    return client.post(
        url,
        {
            "old_password": old_password,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )


def test_fifteen_wrong_old_passwords_are_refused_then_locked(learner_client, learner, settings):
    statuses = [change_password(learner_client, f"guess-{n}").status_code for n in range(15)]
    limit = settings.AXES_FAILURE_LIMIT
    assert statuses == [200] * (limit - 1) + [429] * (15 - limit + 1)
    locked = change_password(learner_client, PASSWORD)
    assert locked.status_code == 429
    assert "signing in or changing the password, so both are paused" in locked.content.decode()
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


def test_wrong_old_password_says_so_until_the_limit(learner_client):
    html = change_password(learner_client, "guess").content.decode()
    assert "Your old password was entered incorrectly" in html


def test_wrong_old_passwords_and_failed_sign_ins_share_one_count(client, learner, settings):
    fail_sign_in(client, learner.username, settings.AXES_FAILURE_LIMIT - 1)
    client.force_login(learner)
    assert change_password(client, "guess").status_code == 429
    assert sign_in(Client(), learner).status_code == 429


def test_the_right_old_password_still_works_before_the_limit(learner_client, learner, settings):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        change_password(learner_client, f"guess-{n}")
    assert change_password(learner_client, PASSWORD).status_code == 302
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)


def test_a_failed_password_change_stores_none_of_the_passwords(learner_client):
    change_password(learner_client, "old-guess-7")
    attempt = AccessAttempt.objects.get()
    assert "old-guess-7" not in attempt.post_data
    assert NEW_PASSWORD not in attempt.post_data


def test_wrong_old_passwords_in_the_admin_are_throttled_too(editor_client, editor, settings):
    url = reverse("admin:password_change")
    for n in range(settings.AXES_FAILURE_LIMIT):
        change_password(editor_client, f"guess-{n}", url)
    assert change_password(editor_client, PASSWORD, url).status_code == 429
    editor.refresh_from_db()
    assert editor.check_password(PASSWORD)


def test_password_change_in_the_admin_still_works(editor_client, editor):
    response = change_password(editor_client, PASSWORD, reverse("admin:password_change"))
    assert response.url == reverse("admin:password_change_done")
    editor.refresh_from_db()
    assert editor.check_password(NEW_PASSWORD)


# Password reset mails are limited per email address and per client, in the database


def request_reset(client, email):
    return client.post(PASSWORD_RESET, {"email": email})


def test_thirty_reset_requests_do_not_send_sixty_mails(client, learner, settings):
    statuses = [request_reset(client, learner.email).status_code for _ in range(30)]
    assert len(mail.outbox) == settings.PASSWORD_RESET_LIMIT_PER_EMAIL
    per_client = settings.PASSWORD_RESET_LIMIT_PER_CLIENT
    assert statuses == [302] * per_client + [429] * (30 - per_client)


def test_reset_mails_are_limited_per_email_address_whatever_the_client(learner, settings):
    for n in range(10):
        client = Client(REMOTE_ADDR=f"198.51.100.{n}")
        response = request_reset(client, learner.email.upper() if n % 2 else learner.email)
        assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == settings.PASSWORD_RESET_LIMIT_PER_EMAIL


def test_reset_requests_are_limited_per_client_whatever_the_address(client, settings):
    per_client = settings.PASSWORD_RESET_LIMIT_PER_CLIENT
    for n in range(per_client + 2):
        User.objects.create_user(f"learner{n}", f"learner{n}@example.com", PASSWORD)
    statuses = [
        request_reset(client, f"learner{n}@example.com").status_code for n in range(per_client + 2)
    ]
    assert statuses == [302] * per_client + [429, 429]
    assert len(mail.outbox) == per_client
    assert (
        request_reset(Client(REMOTE_ADDR="203.0.113.9"), "learner0@example.com").status_code == 302
    )


def test_a_client_over_the_limit_is_told_to_wait(client, learner, settings):
    settings.PASSWORD_RESET_LIMIT_PER_CLIENT = 1
    request_reset(client, learner.email)
    response = request_reset(client, learner.email)
    assert response.status_code == 429
    assert "Please wait up to 60 minutes and try again." in response.content.decode()


def test_an_address_over_its_limit_gets_the_same_page_as_any_other(client, learner, settings):
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 1
    first = reset_page(client, learner.email)
    over = reset_page(client, learner.email)
    unknown = reset_page(client, "nobody@example.com")
    assert first.redirect_chain == over.redirect_chain == unknown.redirect_chain
    assert first.content == over.content == unknown.content
    assert len(mail.outbox) == 1


def reset_page(client, email):
    return client.post(PASSWORD_RESET, {"email": email}, follow=True)


def test_reset_limits_hold_for_a_fresh_client_after_the_cache_is_cleared(learner, settings):
    """What another app server sees: only the database is shared."""
    for _ in range(settings.PASSWORD_RESET_LIMIT_PER_EMAIL):
        request_reset(Client(), learner.email)
        cache.clear()
    request_reset(Client(), learner.email)
    assert len(mail.outbox) == settings.PASSWORD_RESET_LIMIT_PER_EMAIL


def test_reset_limits_end_after_their_window(client, learner, settings):
    for _ in range(settings.PASSWORD_RESET_LIMIT_PER_CLIENT):
        request_reset(client, learner.email)
    assert request_reset(client, learner.email).status_code == 429
    window = timedelta(minutes=settings.PASSWORD_RESET_LIMIT_MINUTES)
    PasswordResetRequest.objects.update(requested_at=timezone.now() - window)
    sent = len(mail.outbox)
    assert request_reset(client, learner.email).status_code == 302
    assert len(mail.outbox) == sent + 1
    assert PasswordResetRequest.objects.count() == 1


def test_behind_a_proxy_reset_requests_are_counted_per_client(learner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PASSWORD_RESET_LIMIT_PER_CLIENT = 1
    request_reset(behind_the_proxy("198.51.100.7"), learner.email)
    assert request_reset(behind_the_proxy("198.51.100.7"), learner.email).status_code == 429
    assert request_reset(behind_the_proxy("203.0.113.5"), learner.email).status_code == 302


# Passwords


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Xq7#kp", "This password is too short."),
        ("83920174659", "This password is entirely numeric."),
        ("newcomer-42", "The password is too similar to the username."),
    ],
)
def test_sign_up_refuses_weak_passwords(client, password, message):
    response = client.post(
        reverse("learners:signup"),
        {
            "username": "newcomer-42",
            "email": "newcomer@example.com",
            "password1": password,
            "password2": password,
        },
    )
    assert message in response.content.decode()
    assert not User.objects.filter(username="newcomer-42").exists()


def test_password_change_refuses_a_common_password(learner_client, learner):
    response = learner_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "password1", "new_password2": "password1"},
    )
    assert "This password is too common." in response.content.decode()
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


def test_new_password_from_a_reset_link_is_checked_too(client, learner):
    uid = urlsafe_base64_encode(force_bytes(learner.pk))
    token = default_token_generator.make_token(learner)
    form = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": "12345678", "new_password2": "12345678"}
    )
    assert "This password is entirely numeric." in response.content.decode()
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


# Production settings, read by a fresh process with the README's environment

PRODUCTION_CHECK = """
import json
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
    response = Client(HTTP_HOST="courses.example.com").get("/accounts/login/", secure=True)
cookie = response.cookies[settings.CSRF_COOKIE_NAME]
names = [
    "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME", "TRUSTED_PROXY_COUNT",
    "PASSWORD_RESET_LIMIT_PER_EMAIL", "PASSWORD_RESET_LIMIT_PER_CLIENT",
    "PASSWORD_RESET_LIMIT_MINUTES",
]
values = {name: getattr(settings, name) for name in names}
values["csrf_cookie"] = [bool(cookie["secure"]), bool(cookie["httponly"]), cookie["samesite"]]
print(json.dumps(values))
"""


def production_settings(**env):
    result = run_manage("shell", "-c", PRODUCTION_CHECK, env={**PRODUCTION_ENV, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_httponly_and_same_site():
    values = production_settings()
    assert values["DEBUG"] is False
    for cookie in ("SESSION", "CSRF"):
        assert values[f"{cookie}_COOKIE_SECURE"] is True
        assert values[f"{cookie}_COOKIE_HTTPONLY"] is True
        assert values[f"{cookie}_COOKIE_SAMESITE"] == "Lax"
    assert values["csrf_cookie"] == [True, True, "Lax"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60


def test_throttling_is_set_from_the_documented_environment():
    defaults = production_settings()
    assert [defaults[name] for name in ("AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME")] == [5, 0.25]
    assert defaults["TRUSTED_PROXY_COUNT"] == 0
    values = production_settings(
        AXES_FAILURE_LIMIT="3", AXES_COOLOFF_MINUTES="30", AXES_PROXY_COUNT="1"
    )
    assert [values[name] for name in ("AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME")] == [3, 0.5]
    assert values["TRUSTED_PROXY_COUNT"] == 1


RESET_LIMITS = [
    "PASSWORD_RESET_LIMIT_PER_EMAIL",
    "PASSWORD_RESET_LIMIT_PER_CLIENT",
    "PASSWORD_RESET_LIMIT_MINUTES",
]


def test_reset_limits_are_set_from_the_documented_environment():
    assert [production_settings()[name] for name in RESET_LIMITS] == [3, 10, 60]
    values = production_settings(**dict(zip(RESET_LIMITS, ["1", "5", "30"], strict=True)))
    assert [values[name] for name in RESET_LIMITS] == [1, 5, 30]


# Headers on every response


def csp_directives(header):
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def responses(client, learner, lessons):
    lesson = lessons[0]
    yield "catalogue", client.get("/")
    yield "course", client.get(lesson.course.get_absolute_url())
    yield "lesson", client.get(lesson.get_absolute_url())
    yield "sign in", client.get(LOGIN)
    yield "not found", client.get("/no/such/page/")
    yield "healthz", client.get("/healthz")
    yield "admin", client.get(ADMIN_LOGIN)
    client.force_login(learner)
    yield "dashboard", client.get(reverse("learners:dashboard"))
    yield (
        "redirect",
        client.post(reverse("learners:complete", args=[lesson.course.slug, lesson.path])),
    )
    yield "export", client.get(reverse("learners:export"))
    yield "forged post", Client(enforce_csrf_checks=True).post(LOGOUT)


def assert_security_headers(response, name):
    assert response["X-Frame-Options"] == "DENY", name
    assert response["X-Content-Type-Options"] == "nosniff", name
    assert response["Referrer-Policy"] == "same-origin", name
    csp = csp_directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"], name
    assert "'unsafe-inline'" not in csp["style-src"], name
    assert csp["object-src"] == ["'none'"], name
    assert csp["frame-ancestors"] == ["'none'"], name
    assert csp["base-uri"] == ["'none'"], name


def test_every_response_carries_the_security_headers(client, learner, lessons):
    for name, response in responses(client, learner, lessons):
        assert_security_headers(response, name)


def test_static_files_from_whitenoise_carry_the_security_headers(settings):
    settings.WHITENOISE_USE_FINDERS = True  # read when the middleware starts, below
    response = Client().get("/static/coursebook.css")
    assert response.status_code == 200
    assert isinstance(response, WhiteNoiseFileResponse)
    assert_security_headers(response, "static file")


@pytest.mark.parametrize("https_redirect", [False, True])
def test_the_400_for_a_host_outside_allowed_hosts_carries_the_security_headers(
    settings, db, https_redirect
):
    settings.SECURE_SSL_REDIRECT = https_redirect
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert_security_headers(response, "bad host")


def test_the_https_redirect_carries_the_security_headers(settings):
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/accounts/login/")
    assert response.status_code == 301
    assert response.url == "https://testserver/accounts/login/"
    assert_security_headers(response, "https redirect")


def test_a_bad_request_carries_the_security_headers(db):
    response = Client().get("/search/", {"q": "\0"})
    assert response.status_code == 400
    assert_security_headers(response, "bad request")


def test_pages_carry_no_inline_script_or_style(client, learner, lessons):
    """So the strict policy above breaks nothing: every script is a file of the site's own."""
    client.force_login(learner)
    for url in ("/", lessons[0].get_absolute_url(), reverse("learners:dashboard"), LOGIN):
        html = client.get(url).content.decode()
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
        assert scripts, url
        assert all(re.match(r' src="/static/\w+\.js"', attrs) for attrs, _ in scripts), url
        assert all(body == "" for _, body in scripts), url
        assert "<style" not in html and " style=" not in html, url
