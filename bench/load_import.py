"""Learners reading and completing lessons while a large changed course imports.

    python bench/load_import.py            # SQLite file in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/load_import.py

The script generates a course of `--lessons` lessons (bench/generate.py), imports it, signs
in `--learners` learners and starts gunicorn with production settings. It then changes every
lesson file and runs `import_content` on the course in a separate process; while that import
runs, every learner opens a lesson, marks it complete and reads on to the next, pausing
`--think` seconds between lessons, from a place of its own in the course.

It fails (exit 1) when the import fails, on any response other than 200 for a lesson page
and a redirect for a completion, on an error in the server log ("database is locked"
included), on a completion answered with a redirect but not stored (lost), or when the 99th
percentile of the completion latency reaches `--p99-limit` seconds. One summary line per run.
"""

import argparse
import http.client
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402
from bench.load_complete import (  # noqa: E402
    LoadFailure,
    free_port,
    gunicorn,
    log_errors,
    out_of_time,
    post_complete,
    postgres_database,
    production_env,
    signed_in_learner,
    sqlite_database,
)

COURSE = "load"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lessons", type=int, default=5000)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--think", type=float, default=0.5, help="Seconds between lessons.")
    parser.add_argument("--p99-limit", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker.")
    parser.add_argument("--timeout", type=int, default=1500, help="Seconds for the whole run.")
    return parser.parse_args()


def prepare(folder, lesson_count, learner_count):
    """Migrate, write and import the course; sign the learners in. Returns (the course folder,
    lesson paths in reading order, one (cookies, csrf token) per learner)."""
    import django

    django.setup()
    from django.core.management import call_command

    from courses.models import Lesson

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    course_folder = generate.write_course(folder, lesson_count)
    course_folder = course_folder.rename(course_folder.with_name(COURSE))
    call_command("import_content", str(course_folder), verbosity=0)
    paths = list(
        Lesson.objects.listed()
        .filter(course__slug=COURSE)
        .order_by("order")
        .values_list("path", flat=True)
    )
    learners = [signed_in_learner(f"learner{n:03}") for n in range(learner_count)]
    return course_folder, paths, learners


def change_every_lesson(course_folder):
    for path in course_folder.rglob("*.md"):
        with open(path, "a", encoding="utf-8") as file:
            file.write("\nOne more paragraph, so that every lesson changes.\n")


def get_lesson(port, path, learner):
    cookies, _ = learner
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "GET",
            f"/courses/{COURSE}/{path}/",
            headers={
                "Host": f"127.0.0.1:{port}",
                "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError as error:
        return f"{type(error).__name__}: {error}"
    finally:
        connection.close()


class Learners:
    """Learner threads that read and complete lessons until told to stop."""

    def __init__(self, port, paths, learners, think):
        self.port, self.paths, self.learners, self.think = port, paths, learners, think
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.latencies, self.errors, self.completed = [], [], set()
        self.threads = [
            threading.Thread(target=self.read, args=(number,), daemon=True)
            for number in range(len(learners))
        ]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def read(self, number):
        learner, rng = self.learners[number], random.Random(number)
        index = rng.randrange(len(self.paths))
        while not self.stopping.is_set():
            path = self.paths[index % len(self.paths)]
            status = get_lesson(self.port, path, learner)
            started = time.monotonic()
            completed, location = post_complete(self.port, path, learner)
            seconds = time.monotonic() - started
            with self.lock:
                if status != 200:
                    self.errors.append(f"GET {path}: {status}")
                if completed == 302:
                    self.latencies.append(seconds)
                    self.completed.add((number, path))
                else:
                    self.errors.append(f"POST {path}/complete: {completed} {location}".strip())
            index += 1
            self.stopping.wait(rng.uniform(0, 2 * self.think))


def import_course(env, course_folder):
    """Run import_content on the course in its own process; (exit status, seconds, output)."""
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "manage.py", "import_content", str(course_folder)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return run.returncode, time.monotonic() - started, (run.stdout + run.stderr).strip()


def stored_completions(paths):
    """The (learner number, lesson path) of every completion stored."""
    from learners.models import Completion

    rows = Completion.objects.filter(lesson__course__slug=COURSE).values_list(
        "user__username", "lesson__path"
    )
    return {(int(username.removeprefix("learner")), path) for username, path in rows}


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def main():
    args = parse_args()
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(args.timeout)
    server_url = os.environ.get("DATABASE_URL", "")
    label = "PostgreSQL" if server_url else "SQLite"
    try:
        with ExitStack() as stack:
            database = postgres_database(server_url) if server_url else sqlite_database()
            database_url, label = stack.enter_context(database)
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            env = production_env(database_url)
            # Lesson pages need collected static files: bench.settings collects them here.
            env.update(
                DJANGO_SETTINGS_MODULE="bench.settings", BENCH_STATIC_ROOT=str(folder / "static")
            )
            os.environ.update(env)
            course_folder, paths, learners = prepare(folder, args.lessons, args.learners)
            change_every_lesson(course_folder)
            port = free_port()
            log_path = folder / "gunicorn.log"
            try:
                with (
                    gunicorn(env, port, args.workers, args.threads, log_path),
                    Learners(port, paths, learners, args.think) as load,
                ):
                    status, import_seconds, import_output = import_course(env, course_folder)
            finally:
                server_errors = log_errors(log_path) if log_path.exists() else []
            lost = load.completed - stored_completions(paths)
    except TimeoutError:
        print(f"load_import {label}: FAIL, did not finish within {args.timeout} s")
        return 1
    except LoadFailure as failure:
        print(f"load_import {label}: FAIL, {failure}")
        return 1
    finally:
        signal.alarm(0)

    problems = load.errors + server_errors
    if status != 0:
        problems.append(f"import_content exited {status}: {import_output[-500:]}")
    p99 = percentile(load.latencies, 0.99)
    if p99 >= args.p99_limit:
        problems.append(f"p99 completion latency {p99:.2f} s, limit {args.p99_limit} s")
    if lost:
        problems.append(f"{len(lost)} completions answered but not stored")
    for problem in problems[:10]:
        print(f"  {problem}")
    median = statistics.median(load.latencies) if load.latencies else 0.0
    print(
        f"load_import {label}: {'FAIL' if problems else 'ok'}, {args.learners} learners "
        f"during a {args.lessons}-lesson changed import ({import_seconds:.1f} s): "
        f"{len(load.latencies)} completions, {len(load.errors) + len(server_errors)} errors, "
        f"{len(lost)} lost; completion latency median {median * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms, max {max(load.latencies, default=0) * 1000:.0f} ms"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
