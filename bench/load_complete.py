"""Many learners marking lessons complete at once, against a real gunicorn server.

    python bench/load_complete.py            # SQLite file in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/load_complete.py

The script prepares its own database (for PostgreSQL a separate `coursebook_load` database
on the server DATABASE_URL names, created and dropped here), a small course and the
learners, with sessions and CSRF tokens made server-side so login throttling plays no
part. It starts gunicorn with production settings on a free loopback port, then:

1. every learner marks every lesson complete, all learners at once;
2. one more learner sends the same "mark complete" many times at once.

It fails (exit 1) on any response other than a redirect to the next page, on an error in
the server log ("database is locked" included), on a lost or duplicated completion, or
when the double-submit stores anything but one row. One summary line per run.
"""

import argparse
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, closing, contextmanager
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOAD_DATABASE = "coursebook_load"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
LOG_ERRORS = ("database is locked", "Traceback", "Internal Server Error", "[CRITICAL]")


class LoadFailure(Exception):
    pass


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--lessons", type=int, default=3, help="Lessons each learner completes.")
    parser.add_argument("--double-submits", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker.")
    parser.add_argument("--timeout", type=int, default=120, help="Seconds for the whole run.")
    return parser.parse_args()


def free_port():
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The database


@contextmanager
def sqlite_database():
    with tempfile.TemporaryDirectory(prefix="coursebook-load-") as folder:
        yield f"sqlite:///{folder}/load.sqlite3", "SQLite"


@contextmanager
def postgres_database(server_url):
    """A fresh `coursebook_load` database on the server `server_url` points at."""
    import psycopg

    parts = urlsplit(server_url)
    if parts.hostname not in LOOPBACK:
        raise LoadFailure(f"Refusing to load-test {parts.hostname}: loopback servers only.")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    load_url = urlunsplit(parts._replace(path=f"/{LOAD_DATABASE}"))

    def admin(statement):
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as connection:
            connection.execute(statement)

    admin(f"DROP DATABASE IF EXISTS {LOAD_DATABASE} WITH (FORCE)")
    admin(f"CREATE DATABASE {LOAD_DATABASE}")
    try:
        yield load_url, "PostgreSQL"
    finally:
        admin(f"DROP DATABASE IF EXISTS {LOAD_DATABASE} WITH (FORCE)")


def production_env(database_url):
    """The environment of a production deploy, on plain HTTP at 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def prepare(learner_count, lesson_count):
    """Migrate, then create one course, the learners and their signed-in sessions.
    Returns (lesson paths in reading order, one (session, csrf secret, csrf token) per
    learner, the extra learner's credentials for the double-submit)."""
    import django

    sys.path.insert(0, str(PROJECT_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)

    from courses.models import Course, Lesson, LessonBody

    course = Course.objects.create(slug="load", title="Load")
    for n in range(lesson_count):
        body = LessonBody.objects.create(
            markdown=f"Lesson {n + 1}.\n", html=f"<p>Lesson {n + 1}.</p>"
        )
        Lesson.objects.create(
            course=course,
            doc_id=f"lesson-{n + 1}",
            path=f"lesson-{n + 1}",
            title=f"Lesson {n + 1}",
            order=n,
            body=body,
        )
    paths = list(course.lessons.order_by("order").values_list("path", flat=True))
    learners = [signed_in_learner(f"learner{n:03}") for n in range(learner_count)]
    return paths, learners, signed_in_learner("double-submitter")


def signed_in_learner(username):
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.http import HttpRequest
    from django.middleware.csrf import get_token

    from learners.models import User

    # No password: hashing one would only slow the setup; the session signs them in.
    user = User.objects.create_user(username, f"{username}@example.com", password=None)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    request = HttpRequest()
    token = get_token(request)
    cookies = {
        settings.SESSION_COOKIE_NAME: session.session_key,
        settings.CSRF_COOKIE_NAME: request.META["CSRF_COOKIE"],
    }
    return cookies, token


def count_completions():
    """(rows, distinct user+lesson pairs, rows of the double-submitter)."""
    from learners.models import Completion

    rows = Completion.objects.count()
    pairs = Completion.objects.values("user", "lesson").distinct().count()
    double = Completion.objects.filter(user__username="double-submitter").count()
    return rows, pairs, double


# The server


@contextmanager
def gunicorn(env, port, workers, threads, log_path):
    """A gunicorn serving config.wsgi on 127.0.0.1:`port`, stopped on the way out."""
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi",
        f"--workers={workers}",
        f"--threads={threads}",
        f"--bind=127.0.0.1:{port}",
        "--timeout=30",
        "--graceful-timeout=5",
    ]
    server = None
    try:
        with open(log_path, "wb") as log:
            server = subprocess.Popen(
                command,
                cwd=PROJECT_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_healthy(server, port)
        yield server
    finally:
        if server is not None:
            stop(server)


def wait_until_healthy(server, port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise LoadFailure(f"gunicorn exited with status {server.returncode} on start.")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz", headers={"Host": f"127.0.0.1:{port}"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise LoadFailure(f"gunicorn did not answer /healthz within {seconds} s.")


def stop(server):
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# The load


def post_complete(port, path, learner):
    """POST the lesson's complete form as a browser would; returns (status, location)."""
    cookies, token = learner
    headers = {
        "Host": f"127.0.0.1:{port}",
        "Origin": f"http://127.0.0.1:{port}",
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            f"/courses/load/{path}/complete/",
            body=urlencode({"csrfmiddlewaretoken": token}),
            headers=headers,
        )
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location", "")
    except OSError as error:
        return f"{type(error).__name__}: {error}", ""
    finally:
        connection.close()


def run_at_once(jobs):
    """Run every job in its own thread, all released together; returns their results."""
    start = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        start.wait()
        results[index] = job()

    threads = [
        threading.Thread(target=run, args=(index, job), daemon=True)
        for index, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def expected_location(paths, index):
    """Where "mark complete" on lesson `index` sends a learner who completes the lessons in
    order: the next lesson, or the course-complete page after the last one."""
    if index + 1 < len(paths):
        return f"/courses/load/{paths[index + 1]}/"
    return "/dashboard/finished/load/"


def bad_responses(results, paths, indexes):
    return [
        f"lesson {paths[index]}: {status} {location}".strip()
        for (status, location), index in zip(results, indexes, strict=True)
        if status != 302 or location != expected_location(paths, index)
    ]


def every_lesson_by_everyone(port, paths, learners):
    def each_lesson(learner):
        return lambda: [post_complete(port, path, learner) for path in paths]

    per_learner = run_at_once([each_lesson(learner) for learner in learners])
    results = [result for learner_results in per_learner for result in learner_results]
    return results, bad_responses(results, paths, list(range(len(paths))) * len(learners))


def double_submit(port, paths, learner, times):
    results = run_at_once([lambda: post_complete(port, paths[0], learner)] * times)
    return results, bad_responses(results, paths, [0] * times)


def log_errors(log_path):
    text = Path(log_path).read_text(errors="replace")
    return [line for line in text.splitlines() if any(e in line for e in LOG_ERRORS)]


def out_of_time(signum, frame):
    raise TimeoutError


def main():
    args = parse_args()
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(args.timeout)
    server_url = os.environ.get("DATABASE_URL", "")
    label = "PostgreSQL" if server_url else "SQLite"
    started = time.monotonic()
    try:
        with ExitStack() as stack:
            database = postgres_database(server_url) if server_url else sqlite_database()
            database_url, label = stack.enter_context(database)
            env = production_env(database_url)
            os.environ.update(env)
            paths, learners, double_learner = prepare(args.learners, args.lessons)
            port = free_port()
            log_path = stack.enter_context(tempfile.TemporaryDirectory()) + "/gunicorn.log"
            try:
                with gunicorn(env, port, args.workers, args.threads, log_path):
                    load_started = time.monotonic()
                    results, bad = every_lesson_by_everyone(port, paths, learners)
                    load_seconds = time.monotonic() - load_started
                    double_results, double_bad = double_submit(
                        port, paths, double_learner, args.double_submits
                    )
            finally:
                server_errors = log_errors(log_path) if Path(log_path).exists() else []
            rows, pairs, double_rows = count_completions()
    except TimeoutError:
        print(f"load_complete {label}: FAIL, did not finish within {args.timeout} s")
        return 1
    except LoadFailure as failure:
        print(f"load_complete {label}: FAIL, {failure}")
        return 1
    finally:
        signal.alarm(0)

    expected = len(learners) * len(paths) + 1
    stored_pairs = pairs - double_rows  # the double-submitter's one pair is counted apart
    lost = len(learners) * len(paths) - stored_pairs
    duplicated = rows - pairs
    problems = bad + double_bad + server_errors
    if lost or duplicated or double_rows != 1:
        problems.append(f"{rows} rows stored, {expected} expected")
    for problem in problems[:10]:
        print(f"  {problem}")
    verdict = "FAIL" if problems else "ok"
    print(
        f"load_complete {label}: {verdict}, {len(learners)} learners x {len(paths)} lessons "
        f"= {len(results)} POSTs in {load_seconds:.1f} s, "
        f"{sum(status == 302 for status, _ in results)} redirects, "
        f"{len(bad) + len(server_errors)} errors, {lost} lost, {duplicated} duplicated; "
        f"{len(double_results)} double-submits stored {double_rows} row; "
        f"total {time.monotonic() - started:.1f} s"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
