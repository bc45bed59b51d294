"""`make bench`: Coursebook's performance figures, each against a baseline from the same run.

    .venv/bin/python bench/run.py [--rounds N] [--seconds S] [--keep] [--skip PART]

Everything happens in a temporary folder: generated courses of 10, 100 and 1,000 lessons,
a fresh SQLite database, collected static files. The run measures

- import: a cold import of 1,000 lessons against the bare cost of `frontmatter.loads` and
  `markdown.markdown` (no extensions) on the same files; an unchanged re-import; and an
  import with one changed file;
- queries per page (catalogue, course, lesson, dashboard, search) at 10 and 1,000 lessons,
  through Django's test client, once a page has been shown and on the first request after an
  import;
- throughput and worker CPU per request of the signed-in lesson, course and search pages and
  the anonymous lesson page of the 1,000-lesson course under gunicorn (production settings, 2
  sync workers), against two minimal Django views served by the same gunicorn through the
  same middleware: one for a visitor, one that loads a signed-in learner's session and user.
  wrk runs each in turn, in alternating rounds;
- the peak RSS of a gunicorn worker that has served every lesson of the 1,000-lesson course
  signed in and signed out.

Import timings are the best of several repeats alternated with their baseline, page ratios
the median over rounds of each page against a minimal view of the same round, so a busy
machine hurts the baseline and the figure alike. The tables are printed; every number goes to
bench/out/results.json.
"""

import argparse
import http.client
import io
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402

SIZES = (10, 100, 1000)
BIG = 1000
IMPORT_REPEATS = 3
COMPLETIONS = 500
WORKERS = 2
CONNECTIONS = 8
# Each page's least throughput, as a share of the minimal view of its kind (signed in or not).
SIGNED_IN_TARGETS = {"lesson": 0.5, "course": 0.5, "search": 0.35}
ANONYMOUS_LESSON_TARGET = 0.6
QUERY_PAGES = ("catalogue", "course", "lesson", "dashboard", "search")
MAX_QUERIES = 5
PEAK_RSS_MB = 120
SHORT_REPEATS = 7
SEARCH_QUERY = "transformer"


@dataclass
class Figure:
    name: str
    measured: float
    baseline: float | None
    ratio: float | None
    target: str
    passed: bool | None
    unit: str = ""
    shown: str = ""
    shown_baseline: str = ""
    details: dict = field(default_factory=dict)


class Run:
    def __init__(self, folder):
        self.folder = folder
        self.figures = []
        self.pages = []
        self.rounds = 0
        self.notes = []

    def add(self, figure):
        self.figures.append(figure)
        shown = figure.shown or figure.measured
        print(f"  {figure.name}: {shown} ({_result(figure)})", flush=True)


# Environment ---------------------------------------------------------------------------------


def bench_environment(folder):
    """Production settings (DEBUG off, cached templates, manifest static files) on a
    database and static folder of this run's own."""
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "BENCH_STATIC_ROOT": str(folder / "static"),
        "DJANGO_LOG_LEVEL": "ERROR",
    }
    os.environ.update(env)
    return env


def setup_django():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


# Import ---------------------------------------------------------------------------------------


def bare_cost(files):
    """What reading the files costs with no importer: frontmatter.loads + Python-Markdown."""
    import frontmatter
    import markdown

    start = time.perf_counter()
    for path in files:
        post = frontmatter.loads(path.read_text(encoding="utf-8"))
        markdown.markdown(post.content)
    return time.perf_counter() - start


def timed_import(folder):
    from django.core.management import call_command

    start = time.perf_counter()
    call_command("import_content", str(folder), verbosity=0, stdout=io.StringIO())
    return time.perf_counter() - start


def forget_course(slug):
    """Leave the database as if the course had never been imported."""
    from django.db import connection

    from courses.importing.switch import delete_bodies
    from courses.models import Course, LessonBody

    bodies = list(LessonBody.objects.filter(lesson__course__slug=slug).values_list("pk"))
    Course.objects.filter(slug=slug).delete()
    delete_bodies(pk for (pk,) in bodies)  # the lessons' bodies outlive them
    with connection.cursor() as cursor:
        cursor.execute("VACUUM")


def measure_import(run, course_dirs):
    print("Import", flush=True)
    folder = course_dirs[BIG]
    files = sorted(folder.rglob("*.md"))
    bare_cost(files[:50])  # load the libraries before anything is timed

    bare, cold = [], []
    for repeat in range(IMPORT_REPEATS):
        bare.append(bare_cost(files))
        if repeat:
            forget_course(folder.name)
        cold.append(timed_import(folder))
    baseline = min(bare)
    best_cold = min(cold)
    run.add(
        Figure(
            name=f"import: cold, {BIG:,} lessons",
            measured=best_cold,
            baseline=baseline,
            ratio=best_cold / baseline,
            target="≤ 1.5×",
            passed=best_cold / baseline <= 1.5,
            unit="s",
            shown=f"{best_cold:.2f} s",
            shown_baseline=f"{baseline:.2f} s bare",
            details={"cold_s": cold, "bare_s": bare, "files": len(files)},
        )
    )

    unchanged = min(timed_import(folder) for _ in range(SHORT_REPEATS))
    run.add(
        Figure(
            name="import: unchanged re-import (C)",
            measured=unchanged,
            baseline=baseline,
            ratio=unchanged / baseline,
            target="≤ 0.1×",
            passed=unchanged / baseline <= 0.1,
            unit="s",
            shown=f"{unchanged * 1000:.0f} ms",
            shown_baseline=f"{baseline:.2f} s bare",
        )
    )

    changed_file = files[len(files) // 2]
    one_lesson_bare = min(bare_cost([changed_file]) for _ in range(20))
    one_lesson_import = import_one_lesson_course(folder.parent.parent / "single")
    changed = import_with_one_change(folder, changed_file)
    extra = changed - unchanged
    run.add(
        Figure(
            name="import: one changed file = C + extra",
            measured=changed,
            baseline=one_lesson_bare,
            ratio=extra / one_lesson_bare,
            target=f"extra ≤ 1.5 × 1-lesson import ({one_lesson_import * 1000:.0f} ms)",
            passed=extra <= 1.5 * one_lesson_import,
            unit="s",
            shown=f"{changed * 1000:.0f} ms = C + {extra * 1000:.1f} ms",
            shown_baseline=f"{one_lesson_bare * 1000:.2f} ms 1 lesson bare",
            details={
                "constant_s": unchanged,
                "extra_s": extra,
                "one_lesson_course_import_s": one_lesson_import,
            },
        )
    )

    for size in SIZES:
        if size == BIG:
            continue
        small_files = sorted(course_dirs[size].rglob("*.md"))
        small_bare = min(bare_cost(small_files) for _ in range(IMPORT_REPEATS))
        small_cold = timed_import(course_dirs[size])
        run.notes.append(
            f"cold import of {size} lessons: {small_cold * 1000:.0f} ms, "
            f"{small_cold / small_bare:.2f}× bare ({small_bare * 1000:.0f} ms)"
        )


def import_one_lesson_course(parent):
    """What importing one lesson costs on its own: a course of one generated lesson,
    imported cold (reading, rendering, one write transaction)."""
    folder = generate.write_course(parent, 1)
    timings = []
    for _ in range(SHORT_REPEATS):
        forget_course(folder.name)
        timings.append(timed_import(folder))
    forget_course(folder.name)
    return min(timings)


def import_with_one_change(folder, lesson_file):
    """The best of several re-imports, each after an edit to `lesson_file`."""
    original = lesson_file.read_text(encoding="utf-8")
    timings = []
    try:
        for edit in range(1, SHORT_REPEATS + 1):
            lesson_file.write_text(original + f"\nA paragraph from edit {edit}.\n", "utf-8")
            timings.append(timed_import(folder))
    finally:
        lesson_file.write_text(original, encoding="utf-8")
        timed_import(folder)
    return min(timings)


# Learners and pages ------------------------------------------------------------------------------


@dataclass
class Site:
    """The URLs of one course's pages and a learner signed in to read them."""

    size: int
    user: object
    urls: dict
    lesson_urls: list


def make_site(size, completions):
    from django.urls import Resolver404, resolve, reverse

    from courses.models import Course, Lesson

    course = Course.objects.get(slug=f"bench-{size}")
    user = generate.make_learner(f"reader-{size}", course, completions)
    lessons = list(Lesson.objects.listed().filter(course=course).order_by("order"))
    urls = {
        "catalogue": reverse("courses:catalogue"),
        "course": course.get_absolute_url(),
        "lesson": lessons[len(lessons) // 2].get_absolute_url(),
        "dashboard": reverse("learners:dashboard"),
        "search": f"/search/?q={SEARCH_QUERY}",
    }
    try:
        resolve("/search/")
    except Resolver404:
        del urls["search"]
    return Site(size, user, urls, [lesson.get_absolute_url() for lesson in lessons])


def signed_in_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def expire_outlines():
    """What an import does to every course: a new content version, so no outline is cached."""
    from django.db.models import F

    from courses.models import Course

    Course.objects.update(content_version=F("content_version") + 1)


def count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}; the benchmark needs 200")
    return len(queries)


def measure_queries(run, sites):
    print("Queries per page", flush=True)
    counts = {}
    for site in sites:
        client = signed_in_client(site.user)
        for page, url in site.urls.items():
            expire_outlines()
            cold = count_queries(client, url)
            warm = count_queries(client, url)
            counts[(page, site.size)] = (cold, warm)
    small, big = sites[0].size, sites[-1].size
    for page in QUERY_PAGES:
        if (page, big) not in counts:
            run.notes.append(f"queries: no {page} page to measure")
            continue
        (small_cold, small_warm), (big_cold, big_warm) = counts[(page, small)], counts[(page, big)]
        constant = small_cold == big_cold and small_warm == big_warm
        run.add(
            Figure(
                name=f"queries: {page} ({small} / {big:,} lessons)",
                measured=max(small_warm, big_warm),
                baseline=None,
                ratio=None,
                target=f"≤ {MAX_QUERIES}, constant",
                passed=constant and max(small_warm, big_warm) <= MAX_QUERIES,
                shown=(
                    f"{small_warm} / {big_warm} (first after an import: {small_cold} / {big_cold})"
                ),
                details={
                    "cold": {str(small): small_cold, str(big): big_cold},
                    "warm": {str(small): small_warm, str(big): big_warm},
                },
            )
        )


# Throughput under gunicorn -------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn with the production worker settings, on a loopback port."""

    def __init__(self, env, workers=WORKERS):
        self.port = free_port()
        self.workers = workers
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
        )
        self.wait_until_up()

    def wait_until_up(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("gunicorn exited on start")
            try:
                if self.get("/healthz")[0] == 200 and len(self.worker_pids()) == self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit("gunicorn did not answer within 30 seconds")

    def get(self, path, cookie=""):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def worker_pids(self):
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def cpu_seconds(self):
        total = 0
        for pid in self.worker_pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self):
        peaks = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
        return max(peaks)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def find_wrk():
    wrk = shutil.which("wrk")
    if wrk is None and shutil.which("apt-get") and os.geteuid() == 0:
        print("  installing wrk from Debian's packages", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)
        wrk = shutil.which("wrk")
    return wrk


def wrk(wrk_path, server, path, cookie, seconds):
    """Requests per second, and the workers' CPU time per request."""
    cpu_before = server.cpu_seconds()
    result = subprocess.run(
        [
            wrk_path,
            "--threads",
            "2",
            "--connections",
            str(CONNECTIONS),
            "--duration",
            f"{seconds}s",
            "--header",
            f"Cookie: {cookie}",
            f"http://127.0.0.1:{server.port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    cpu = server.cpu_seconds() - cpu_before
    output = result.stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw errors on {path}:\n{output}")
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return rate, cpu / max(requests, 1) * 1000


@dataclass
class Target:
    """One URL wrk loads, with the cookies of a signed-in learner or of a visitor; `target` is
    the least share of the minimal view of the same kind it must reach."""

    label: str
    path: str
    cookie: str
    signed_in: bool
    target: float | None = None
    rates: list = field(default_factory=list)
    cpu_ms: list = field(default_factory=list)


def browser_cookies(site):
    """The cookies a signed-in learner's browser sends (session and CSRF token), and those of
    a visitor's (the CSRF token alone)."""
    from django.conf import settings

    client = signed_in_client(site.user)
    client.get(site.urls["catalogue"])
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    signed_in = "; ".join(f"{name}={value}" for name, value in cookies.items())
    visitor = "; ".join(
        f"{name}={value}"
        for name, value in cookies.items()
        if name != settings.SESSION_COOKIE_NAME
    )
    return signed_in, visitor


def page_targets(site):
    """The two minimal views first, then the pages, all of the 1,000-lesson course."""
    signed_in, visitor = browser_cookies(site)
    targets = [
        Target("minimal view, anonymous", "/bench/minimal/", visitor, signed_in=False),
        Target("minimal view, signed in", "/bench/minimal-signed-in/", signed_in, signed_in=True),
    ]
    for page, target in SIGNED_IN_TARGETS.items():
        if page in site.urls:
            label = f"signed-in {page} page"
            targets.append(Target(label, site.urls[page], signed_in, True, target))
    targets.append(
        Target(
            "anonymous lesson page", site.urls["lesson"], visitor, False, ANONYMOUS_LESSON_TARGET
        )
    )
    return targets


def check_target(server, target):
    """Refuse to time a page that errs, or that is not what it claims (signed in or not)."""
    status, body = server.get(target.path, target.cookie)
    if target.path.startswith("/bench/"):
        answered = body.startswith("ok ") if target.signed_in else body == "ok"
    else:
        answered = ("Sign out" in body) == target.signed_in
    if status != 200 or not answered:
        raise SystemExit(f"{target.label} ({target.path}) answered {status}, or was not as meant")


def measure_pages(run, site, env, rounds, seconds):
    print("Pages under gunicorn", flush=True)
    wrk_path = find_wrk()
    if wrk_path is None:
        run.notes.append("pages: wrk not found (apt-get install wrk); throughput not measured")
        return
    targets = page_targets(site)
    server = Gunicorn(env)
    try:
        for target in targets:
            check_target(server, target)
            wrk(wrk_path, server, target.path, target.cookie, 1)  # warm caches, connections
        for number in range(rounds):  # A/B/A/B: every page runs next to its baselines, every round
            print(f"  round {number + 1} of {rounds}", flush=True)
            for target in targets:
                rate, cpu_ms = wrk(wrk_path, server, target.path, target.cookie, seconds)
                target.rates.append(rate)
                target.cpu_ms.append(cpu_ms)
        run.pages_peak_rss = server.peak_rss_mb()
    finally:
        server.stop()

    anonymous, signed_in = targets[0], targets[1]
    run.rounds = rounds
    for target in targets:
        ratios = {
            kind: [page / base for page, base in zip(target.rates, minimal.rates, strict=True)]
            for kind, minimal in (("signed_in", signed_in), ("anonymous", anonymous))
        }
        baseline = "signed_in" if target.signed_in else "anonymous"
        ratio = statistics.median(ratios[baseline])
        run.pages.append(
            {
                "page": target.label,
                "path": target.path,
                "rate": statistics.median(target.rates),
                "cpu_ms": statistics.median(target.cpu_ms),
                "ratio_signed_in": statistics.median(ratios["signed_in"]),
                "ratio_anonymous": statistics.median(ratios["anonymous"]),
                "target": (
                    f"≥ {target.target}× {baseline.replace('_', '-')}" if target.target else "-"
                ),
                "passed": ratio >= target.target if target.target else None,
                "rates": target.rates,
                "cpu_ms_per_round": target.cpu_ms,
                "round_ratios": ratios,
            }
        )
        shown = run.pages[-1]
        print(
            f"  {target.label}: {shown['rate']:,.0f} req/s, {shown['cpu_ms']:.2f} ms CPU, "
            f"{shown['ratio_signed_in']:.2f}× signed-in minimal, "
            f"{shown['ratio_anonymous']:.2f}× anonymous minimal",
            flush=True,
        )


def measure_memory(run, site, env):
    """The peak RSS of a gunicorn worker, alone, once it has served every lesson of the
    1,000-lesson course signed in and signed out (so it keeps as many pages as it can), and of
    the busier worker of the page runs."""
    print("Memory", flush=True)
    signed_in, visitor = browser_cookies(site)
    server = Gunicorn(env, workers=1)
    try:
        for url in site.lesson_urls:
            for cookie in (signed_in, visitor):
                status, _ = server.get(url, cookie)
                if status != 200:
                    raise SystemExit(f"{url} answered {status}")
        every_lesson = server.peak_rss_mb()
    finally:
        server.stop()
    peak = max(every_lesson, getattr(run, "pages_peak_rss", 0))
    run.add(
        Figure(
            name="memory: peak RSS of a gunicorn worker",
            measured=peak,
            baseline=None,
            ratio=None,
            target=f"≤ {PEAK_RSS_MB} MB",
            passed=peak <= PEAK_RSS_MB,
            unit="MB",
            shown=(
                f"{every_lesson:.0f} MB after all {len(site.lesson_urls):,} lessons twice"
                + (f"; {run.pages_peak_rss:.0f} MB in the page runs" if run.pages else "")
            ),
            details={
                "after_every_lesson_mb": every_lesson,
                "page_runs_mb": getattr(run, "pages_peak_rss", None),
            },
        )
    )


# Report ---------------------------------------------------------------------------------------


def _result(figure):
    return {True: "pass", False: "FAIL", None: "-"}[figure.passed]


def table(run):
    rows = [("figure", "measured", "baseline", "ratio", "target", "result")]
    for figure in run.figures:
        rows.append(
            (
                figure.name,
                figure.shown,
                figure.shown_baseline or "-",
                f"{figure.ratio:.2f}×" if figure.ratio is not None else "-",
                figure.target,
                _result(figure),
            )
        )
    return markdown_table(rows)


def markdown_table(rows):
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append("| " + " | ".join(cells) + " |")
        if number == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def pages_table(run):
    rows = [
        (
            "page (1,000-lesson course)",
            "req/s",
            "CPU ms/request",
            "× signed-in minimal",
            "× anonymous minimal",
            "target",
            "result",
        )
    ]
    for page in run.pages:
        rows.append(
            (
                page["page"],
                f"{page['rate']:,.0f}",
                f"{page['cpu_ms']:.2f}",
                f"{page['ratio_signed_in']:.2f}×",
                f"{page['ratio_anonymous']:.2f}×",
                page["target"],
                {True: "pass", False: "FAIL", None: "-"}[page["passed"]],
            )
        )
    return markdown_table(rows)


def machine():
    from django.conf import settings

    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "cache": cache,
        "gunicorn_workers": WORKERS,
        "wrk_connections": CONNECTIONS,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="A/B rounds per page (7)")
    parser.add_argument("--seconds", type=int, default=5, help="seconds per wrk run (5)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["import", "queries", "pages", "memory"],
        help="leave out a part of the run (for working on another part)",
    )
    args = parser.parse_args()

    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="coursebook-bench-"))
    run = Run(folder)
    try:
        env = bench_environment(folder)
        print(f"Generating courses of {', '.join(map(str, SIZES))} lessons in {folder}")
        course_dirs = {size: generate.write_course(folder / "content", size) for size in SIZES}
        setup_django()
        if "import" in args.skip:
            for course_dir in course_dirs.values():
                timed_import(course_dir)
        else:
            measure_import(run, course_dirs)
        sites = [make_site(SIZES[0], SIZES[0] // 2), make_site(BIG, COMPLETIONS)]
        if "queries" not in args.skip:
            measure_queries(run, sites)
        if "pages" not in args.skip:
            measure_pages(run, sites[-1], env, args.rounds, args.seconds)
        if "memory" not in args.skip:
            measure_memory(run, sites[-1], env)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    elapsed = time.perf_counter() - started

    about = machine()
    print()
    print(
        f"Coursebook benchmark: {about['cpus']} CPUs, Python {about['python']}, "
        f"{about['database']}, {about['cache']}, gunicorn {WORKERS} sync workers, "
        f"wrk {CONNECTIONS} connections; {elapsed:.0f} s"
    )
    print(table(run))
    if run.pages:
        print(f"\nPages: the median of {run.rounds} alternating rounds of {args.seconds} s each")
        print(pages_table(run))
    for note in run.notes:
        print(f"- {note}")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    results = {
        "machine": about,
        "seconds": elapsed,
        "figures": [asdict(figure) for figure in run.figures],
        "pages": run.pages,
        "rounds": run.rounds,
        "notes": run.notes,
        "table": table(run),
        "pages_table": pages_table(run) if run.pages else "",
    }
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nWrote {out / 'results.json'}")


if __name__ == "__main__":
    main()
