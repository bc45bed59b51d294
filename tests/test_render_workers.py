"""courses.importing.workers: jobs in forked processes, a hard time limit on each, and
workers that never outlive the process that started them."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from courses.importing.workers import JobError, Stopped, run_jobs

PROJECT_DIR = Path(__file__).parent.parent

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="worker processes are Linux only"
)


def stall_in_c_on(job):
    """Exponential backtracking inside one regular-expression call, which no Python signal
    handler can interrupt, for the job "stall"; the job upper-cased otherwise."""
    if job == "stall":
        re.match(r"(a+)+$", "a" * 64 + "!")
    return job.upper()


def fail_on(job):
    if job == "bad":
        raise ValueError("no good")
    return job


def own_priority(job):
    return os.getpriority(os.PRIO_PROCESS, 0)


def test_workers_run_at_the_priority_they_are_given():
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    [theirs] = run_jobs(own_priority, ["job"], workers=1, time_limit=30, niceness=10)
    assert theirs == min(mine + 10, 19)


def test_results_come_back_in_the_order_of_the_jobs():
    jobs = [f"job {n}" for n in range(40)]
    assert list(run_jobs(str.upper, jobs, workers=2, time_limit=30)) == [j.upper() for j in jobs]


def test_a_job_over_its_time_limit_is_stopped_even_inside_one_c_call_and_the_rest_go_on():
    started = time.monotonic()
    outcomes = list(run_jobs(stall_in_c_on, ["a", "stall", "b"], workers=1, time_limit=1))
    assert outcomes == ["A", Stopped("it took more than 1 s"), "B"]
    assert time.monotonic() - started < 10


def test_a_job_that_raises_raises_in_the_caller():
    with pytest.raises(JobError, match="ValueError: no good"):
        list(run_jobs(fail_on, ["fine", "bad"], workers=1, time_limit=30))


def test_a_worker_that_dies_stops_only_its_own_job():
    def die_on(job):
        if job == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        return job

    outcomes = list(run_jobs(die_on, ["a", "die", "b"], workers=1, time_limit=30))
    assert outcomes == ["a", Stopped("its process ended with exit code -9"), "b"]


PARENT = """
import os, sys, time
import django
django.setup()
from courses.importing.workers import run_jobs

def report_and_wait(job):
    os.write(1, f"{os.getpid()}\\n".encode())  # one write: the two workers share the pipe
    time.sleep(600)

list(run_jobs(report_and_wait, [1, 2], workers=2, time_limit=600))
"""


def running(pid):
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_workers_end_when_their_parent_is_killed_outright(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "true"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        workers = [int(parent.stdout.readline()) for _ in range(2)]
        assert all(running(pid) for pid in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(running(pid) for pid in workers)
    finally:
        parent.kill()
        parent.stdout.close()


STALLED_IMPORT = """
import sys, time
import django
django.setup()
from django.core.management import call_command
from courses import rendering

call_command("migrate", verbosity=0)
real_render = rendering.render_markdown

def render_or_stall(text, **options):
    if "STALL" in text:
        time.sleep(600)
    return real_render(text, **options)

rendering.render_markdown = render_or_stall
print("importing", flush=True)
call_command("import_content", sys.argv[1])
"""


def children_of(pid):
    return [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]


def test_kill_9_of_an_import_leaves_no_render_worker_running(tmp_path):
    course = tmp_path / "stalling"
    course.mkdir()
    (course / "stuck.md").write_text("# Stuck\n\nSTALL\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "true"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'import.sqlite3'}"
    env["COURSEBOOK_RENDER_TIME_LIMIT"] = "600"
    importer = subprocess.Popen(
        [sys.executable, "-c", STALLED_IMPORT, str(course)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert importer.stdout.readline() == "importing\n"
        deadline = time.monotonic() + 30
        while not (workers := children_of(importer.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert workers and all(running(pid) for pid in workers)
        importer.send_signal(signal.SIGKILL)
        importer.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(running(pid) for pid in workers)
    finally:
        importer.kill()
        importer.stdout.close()
