"""Sign up, sign in and out, password change and reset, and the lockout after many failures."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from learners.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SIGNUP = reverse("learners:signup")
LOGIN = reverse("login")
LOGOUT = reverse("logout")
NEW_PASSWORD = "a-much-longer-new-passphrase-42"


def sign_up(client, next_url=None, **fields):
    data = {
        "username": "newcomer",
        "email": "newcomer@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }
    if next_url is not None:
        data["next"] = next_url
    return client.post(SIGNUP, data)


# Sign up


def test_sign_up_page_asks_for_username_email_and_password_twice(client):
    html = client.get(SIGNUP).content.decode()
    for name in ("username", "email", "password1", "password2"):
        assert f'name="{name}"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_sign_up_fields_say_what_browsers_may_fill_in_and_are_marked_required(client):
    html = client.get(SIGNUP).content.decode()
    assert re.search(r'<input type="text" name="username"[^>]* autocomplete="username"', html)
    assert re.search(r'<input type="email" name="email"[^>]* autocomplete="email"', html)
    for name in ("password1", "password2"):
        assert re.search(
            rf'<input type="password" name="{name}"[^>]* autocomplete="new-password"', html
        )
    labels = re.findall(r'<label for="id_\w+">([^<]*)</label> <span class="required-mark"', html)
    assert labels == ["Username", "Email", "Password", "Password confirmation"]


def test_sign_in_fields_say_what_browsers_may_fill_in(client):
    html = client.get(LOGIN).content.decode()
    assert re.search(r'<input type="text" name="username"[^>]* autocomplete="username"', html)
    assert re.search(
        r'<input type="password" name="password"[^>]*autocomplete="current-password"', html
    )


def field_block(html, name):
    """The markup of one field of registration/_form.html: label, input, errors, help."""
    return re.search(
        rf'<div class="field[^"]*">\s*<span class="field__label"><label for="id_{name}">'
        r'.*?</div>\s*(?=<div class="field|<p)',
        html,
        re.S,
    )[0]


def test_sign_up_shows_each_error_under_its_own_field(client, learner):
    response = sign_up(client, username=learner.username, password2="something-else-entirely")
    html = response.content.decode()
    username = field_block(html, "username")
    assert "A user with that username already exists." in username
    assert re.search(r'aria-describedby="[^"]*id_username_error"', username)
    assert username.index("<input") < username.index("already exists")
    confirmation = field_block(html, "password2")
    assert "The two password fields didn’t match." in confirmation
    assert "already exists" not in confirmation
    assert "didn’t match" not in field_block(html, "email")


def test_sign_up_keeps_the_username_and_email_through_an_error(client, learner):
    response = sign_up(client, username="newcomer", password2="something-else-entirely")
    html = response.content.decode()
    assert 'name="username" value="newcomer"' in html
    assert 'name="email" value="newcomer@example.com"' in html
    # A password never goes back into a page.
    assert PASSWORD not in html


def test_sign_up_creates_the_account_and_signs_in(client):
    response = sign_up(client)
    assert response.status_code == 302
    assert response.url == reverse("courses:catalogue")
    user = User.objects.get(username="newcomer")
    assert user.email == "newcomer@example.com"
    assert user.check_password(PASSWORD)
    assert client.get(reverse("learners:dashboard")).status_code == 200


def test_sign_up_confirms_with_a_message(client):
    response = client.post(
        SIGNUP,
        {
            "username": "newcomer",
            "email": "n@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        follow=True,
    )
    assert "Your account is ready." in response.content.decode()


def test_sign_up_returns_to_next(client):
    response = sign_up(client, next_url="/courses/intro/first/")
    assert response.url == "/courses/intro/first/"


@pytest.mark.parametrize(
    "hostile", ["https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)"]
)
def test_sign_up_ignores_an_off_site_next(client, hostile):
    response = sign_up(client, next_url=hostile)
    assert response.url == reverse("courses:catalogue")


def test_sign_up_keeps_next_through_a_failed_attempt(client):
    response = sign_up(client, next_url="/courses/intro/first/", password2="different")
    assert response.status_code == 200
    assert 'name="next" value="/courses/intro/first/"' in response.content.decode()


def test_sign_up_applies_the_password_validators(client):
    response = sign_up(client, password1="password", password2="password")
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    assert not User.objects.filter(username="newcomer").exists()


def test_sign_up_needs_an_email_address(client):
    response = sign_up(client, email="")
    assert response.status_code == 200
    assert not User.objects.filter(username="newcomer").exists()


def test_sign_up_refuses_a_taken_username(client, learner):
    response = sign_up(client, username=learner.username)
    assert response.status_code == 200
    assert User.objects.filter(username=learner.username).count() == 1


@pytest.mark.parametrize("email", ["ada@example.com", "ADA@example.com", "Ada@Example.COM"])
def test_sign_up_refuses_an_email_address_taken_in_any_case(client, learner, email):
    response = sign_up(client, email=email)
    assert "An account with this email address already exists." in response.content.decode()
    assert not User.objects.filter(username="newcomer").exists()


def test_signed_in_learner_visiting_sign_up_goes_to_the_dashboard(learner_client):
    response = learner_client.get(SIGNUP)
    assert response.url == reverse("learners:dashboard")


def test_sign_up_without_a_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    assert sign_up(client).status_code == 403
    assert not User.objects.exists()


# Sign in and out


def test_sign_in_returns_to_the_page_the_learner_came_from(client, learner):
    response = client.post(
        LOGIN, {"username": learner.username, "password": PASSWORD, "next": "/courses/x/y/"}
    )
    assert response.url == "/courses/x/y/"


def test_sign_in_ignores_an_off_site_next(client, learner):
    response = client.post(
        LOGIN,
        {"username": learner.username, "password": PASSWORD, "next": "https://evil.example.com/"},
    )
    assert response.url == reverse("learners:dashboard")


def test_sign_in_page_links_to_sign_up_and_password_reset_keeping_next(client):
    html = client.get(LOGIN + "?next=/courses/x/y/").content.decode()
    assert 'name="next" value="/courses/x/y/"' in html
    assert f'href="{SIGNUP}?next=/courses/x/y/"' in html.replace("%2F", "/")
    assert reverse("password_reset") in html


def test_wrong_password_shows_an_error(client, learner):
    response = client.post(LOGIN, {"username": learner.username, "password": "wrong"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_sign_out_is_a_post_and_leaves_the_learner_signed_out(learner_client):
    assert learner_client.get(LOGOUT).status_code == 405
    response = learner_client.post(LOGOUT)
    assert response.url == reverse("courses:catalogue")
    assert learner_client.get(reverse("learners:dashboard")).status_code == 302


def test_pages_offer_sign_out_as_a_form(learner_client):
    html = learner_client.get("/").content.decode()
    assert f'<form method="post" action="{LOGOUT}"' in html


def test_many_failed_sign_ins_lock_the_account_with_a_clear_message(client, learner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": learner.username, "password": "wrong"})
    response = client.post(LOGIN, {"username": learner.username, "password": PASSWORD})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many sign-in attempts" in html
    assert "Please wait 15 minutes and try again." in html


# Password change and reset


def test_password_change_needs_sign_in(client):
    response = client.get(reverse("password_change"))
    assert response.url.startswith(LOGIN)


def test_password_change_sets_the_new_password(learner_client, learner):
    response = learner_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Password changed" in response.content.decode()
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)


def reset_request(client, email):
    return client.post(reverse("password_reset"), {"email": email}, follow=True)


def test_password_reset_emails_a_link_that_sets_a_new_password(client, learner):
    response = reset_request(client, learner.email)
    assert "Check your email" in response.content.decode()
    [message] = mail.outbox
    assert message.to == [learner.email]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Password set" in done.content.decode()
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)


def test_password_reset_does_not_reveal_whether_an_email_exists(client, learner):
    known = reset_request(client, learner.email)
    unknown = reset_request(client, "nobody@example.com")
    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content
    assert len(mail.outbox) == 1


def test_used_or_bad_reset_link_says_so(client):
    response = client.get("/accounts/reset/MQ/bad-token/", follow=True)
    assert "This link no longer works" in response.content.decode()


# One account per email address


def test_the_database_refuses_a_second_account_with_an_address_in_another_case(learner):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("ada2", "ADA@EXAMPLE.COM", PASSWORD)
    assert User.objects.count() == 1


def test_accounts_without_an_email_address_may_be_many(db):
    User.objects.create_user("first", "", PASSWORD)
    User.objects.create_user("second", "", PASSWORD)
    assert User.objects.filter(email="").count() == 2


def user_change_data(user, **fields):
    return {
        "username": user.username,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "00:00:00",
        **fields,
    }


def test_the_admin_refuses_an_email_address_another_account_has_in_any_case(
    editor_client, learner, other_learner
):
    url = reverse("admin:learners_user_change", args=[other_learner.pk])
    response = editor_client.post(url, user_change_data(other_learner, email="Ada@Example.com"))
    assert response.status_code == 200
    assert "An account with this email address already exists." in response.content.decode()
    other_learner.refresh_from_db()
    assert other_learner.email == "grace@example.com"


def test_the_admin_saves_a_change_of_case_of_the_accounts_own_address(editor_client, learner):
    url = reverse("admin:learners_user_change", args=[learner.pk])
    response = editor_client.post(url, user_change_data(learner, email="Ada@Example.com"))
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.email == "Ada@example.com"  # Django lowercases the domain


def test_a_reset_request_sends_one_mail_for_an_address_in_any_case(client, learner):
    reset_request(client, "ADA@EXAMPLE.COM")
    [message] = mail.outbox
    assert message.to == [learner.email]


# The migration that makes addresses unique


@pytest.fixture
def before_unique_emails(transactional_db):
    """The database as it was before learners 0004, for accounts that share an address."""
    executor = MigrationExecutor(connection)
    executor.migrate([("learners", "0003_passwordresetrequest")])
    executor.loader.build_graph()
    yield executor.loader.project_state(("learners", "0003_passwordresetrequest")).apps
    latest = MigrationExecutor(connection)
    latest.migrate(latest.loader.graph.leaf_nodes())


def test_migration_leaves_each_shared_address_on_the_account_that_signed_in_last(
    before_unique_emails, capsys
):
    OldUser = before_unique_emails.get_model("learners", "User")
    now = timezone.now()
    for username, email, last_login, joined_days_ago in [
        ("old-ada", "ada@example.com", now - timedelta(days=30), 300),
        ("new-ada", "ADA@example.com", now - timedelta(days=1), 200),
        ("never-ada", "Ada@Example.com", None, 400),
        ("grace", "grace@example.com", None, 100),
        ("first-bob", "bob@example.com", None, 50),
        ("second-bob", "BOB@example.com", None, 10),
        ("no-email-1", "", None, 5),
        ("no-email-2", "", None, 5),
    ]:
        OldUser.objects.create(
            username=username,
            email=email,
            last_login=last_login,
            date_joined=now - timedelta(days=joined_days_ago),
        )

    MigrationExecutor(connection).migrate([("learners", "0004_user_unique_email")])

    emails = dict(User.objects.values_list("username", "email"))
    assert emails == {
        "old-ada": "",
        "new-ada": "ADA@example.com",
        "never-ada": "",
        "grace": "grace@example.com",
        "first-bob": "bob@example.com",
        "second-bob": "",
        "no-email-1": "",
        "no-email-2": "",
    }
    printed = capsys.readouterr().out
    assert "Cleared the email address of 'old-ada': 'new-ada' keeps 'ADA@example.com'." in printed
    assert "Cleared the email address of 'second-bob'" in printed
    assert "grace" not in printed
