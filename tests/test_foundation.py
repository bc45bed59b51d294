import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper

PROJECT_DIR = Path(__file__).resolve().parent.parent

# The production environment the README documents.
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "k8#2vL!q9rT$wz4N@x7bP0mYc1eF6hJ3sD5gA8uK2nQ9tR4vW7zX",
    "DJANGO_ALLOWED_HOSTS": "courses.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://courses.example.com",
}


def run_manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db
def test_healthz_answers_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_database_is_down(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite pragmas")
@pytest.mark.django_db
def test_fresh_sqlite_connection_uses_wal_and_immediate_transactions(settings, tmp_path):
    params = {**settings.DATABASES["default"], "NAME": str(tmp_path / "fresh.sqlite3")}
    fresh = SQLiteWrapper(params, alias="fresh")
    try:
        with fresh.cursor() as cursor:
            pragmas = {
                name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
            }
        assert pragmas == {
            "journal_mode": "wal",
            "synchronous": 1,  # NORMAL
            "busy_timeout": 20000,
            "foreign_keys": 1,
        }
        assert fresh.transaction_mode == "IMMEDIATE"
    finally:
        fresh.close()


def test_deploy_check_is_silent_with_the_documented_production_environment():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env={"DJANGO_ALLOWED_HOSTS": "courses.example.com"})
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_a_bad_boolean_setting_says_what_to_set():
    result = run_manage("check", env={"DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "Set DJANGO_DEBUG to true or false" in result.stderr


def test_sessions_are_read_from_redis_only_when_the_cache_is_shared():
    show = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    local = run_manage("shell", "-v0", "-c", show, env={"DJANGO_DEBUG": "true"})
    shared = run_manage(
        "shell",
        "-v0",
        "-c",
        show,
        env={"DJANGO_DEBUG": "true", "REDIS_URL": "redis://127.0.0.1:6379/0"},
    )
    # Local memory is one worker's own: a session signed out in one must not live on in another.
    assert local.stdout.strip() == "django.contrib.sessions.backends.db"
    assert shared.stdout.strip() == "django.contrib.sessions.backends.cached_db"


@pytest.mark.django_db
def test_missing_page_is_a_friendly_404_in_the_site_look(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"Skip to content" in response.content


@pytest.mark.django_db
def test_every_response_carries_security_headers(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_sign_in_page_shows_the_site_name_not_the_host(client, settings):
    settings.SITE_NAME = "Acme Academy"
    response = client.get("/accounts/login/")
    assert b"Acme Academy" in response.content
    assert b"testserver" not in response.content
