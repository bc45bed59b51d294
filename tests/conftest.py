import os
import re
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache

from courses import outline, rendering
from courses.prerendered import kept_pages
from learners.models import User

PASSWORD = "correct-horse-battery-staple"

# The customer's lesson lies beside the checkout, not in it. CI always has it there.
SEED_LESSON = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_96d4bad3a1e050d8.txt"
needs_seed_lesson = pytest.mark.skipif(
    not SEED_LESSON.exists() and os.environ.get("CI") != "true",
    reason=f"the customer's seed lesson is not beside this checkout ({SEED_LESSON})",
)


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Tests run without `collectstatic`, so static URLs come from the plain storage."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def stalling_renderer(settings, monkeypatch):
    """Rendering stalls inside one C call (a regular expression backtracking for ever) on
    any text containing STALL, and the time limit is one second. Worker processes are
    forked, so they render with this renderer too."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the render time limit needs worker processes (Linux)")
    settings.RENDER_TIME_LIMIT = 1
    real_render = rendering.render_markdown

    def render_or_stall(text, **options):
        if "STALL" in text:
            re.match(r"(a+)+$", "a" * 64 + "!")
        return real_render(text, **options)

    monkeypatch.setattr(rendering, "render_markdown", render_or_stall)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache and no prerendered pages, as a freshly started
    server does."""
    cache.clear()
    kept_pages.clear()
    outline._outlines.clear()


@pytest.fixture
def learner(db):
    return User.objects.create_user("ada", "ada@example.com", PASSWORD)


@pytest.fixture
def other_learner(db):
    return User.objects.create_user("grace", "grace@example.com", PASSWORD)


@pytest.fixture
def editor(db):
    """Staff who may edit content and view progress, but is not a superuser."""
    user = User.objects.create_user("edith", "edith@example.com", PASSWORD, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["courses", "learners"])
    )
    return user


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client
