"""`make bench-memory`: the peak memory of importing a large course whose every lesson changed.

    .venv/bin/python bench/import_memory.py [--lessons 20000]

Generates a course of `--lessons` lessons (bench/generate.py, padded to `--lesson-kb` each, as
large as the 20,000-lesson course of issue #12: 147 MB) in a temporary folder, imports
it into a fresh SQLite database, changes every lesson file, and imports it again. Each import
runs as its own `manage.py import_content` process with production settings; the figure is
the largest resident set of that process and of its render workers (getrusage of the
children), against the size of the course's Markdown. It fails (exit 1) when the changed
import's peak passes `--limit-mb`.
"""

import argparse
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lessons", type=int, default=20000)
    parser.add_argument(
        "--lesson-kb", type=float, default=7.5, help="Pad lessons to this size (KB) with prose."
    )
    parser.add_argument("--limit-mb", type=int, default=600)
    return parser.parse_args()


def pad_to(path, size):
    """Add paragraphs of the lesson's own words until the file is about `size` bytes."""
    text = path.read_text(encoding="utf-8")
    paragraph = " ".join(text.split()[-60:])
    while len(text) < size:
        text += f"\n\n{paragraph}"
    path.write_text(text, encoding="utf-8")


def peak_of_import(env, course_folder):
    """(exit status, seconds, peak RSS in MB) of one import_content process and its workers.
    Run as a child of a fresh helper process, so the peak is this import's alone."""
    measure = (
        "import resource, subprocess, sys; "
        "status = subprocess.call(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "sys.exit(status)"
    )
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-c", measure, sys.executable, "manage.py", "import_content"]
        + ["--verbosity=0", str(course_folder)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if run.returncode != 0:
        sys.exit(f"import_content failed ({run.returncode}): {run.stderr[-2000:]}")
    return seconds, int(run.stdout.split()[-1]) / 1024


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="coursebook-memory-") as folder:
        folder = Path(folder)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env.update(
            DATABASE_URL=f"sqlite:///{folder / 'memory.sqlite3'}",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_LOG_LEVEL="ERROR",
        )
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity=0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        course_folder = generate.write_course(folder, args.lessons)
        files = list(course_folder.rglob("*.md"))
        for path in files:
            pad_to(path, args.lesson_kb * 1024)
        markdown_mb = sum(path.stat().st_size for path in files) / 2**20
        cold_seconds, cold_mb = peak_of_import(env, course_folder)
        for path in files:
            with open(path, "a", encoding="utf-8") as file:
                file.write("\nOne more paragraph, so that every lesson changes.\n")
        changed_seconds, changed_mb = peak_of_import(env, course_folder)
        unchanged_seconds, unchanged_mb = peak_of_import(env, course_folder)
    verdict = "ok" if changed_mb <= args.limit_mb else "FAIL"
    print(
        f"import memory: {verdict}, {args.lessons} lessons ({markdown_mb:.0f} MB of Markdown): "
        f"peak RSS cold {cold_mb:.0f} MB ({cold_seconds:.0f} s), every lesson changed "
        f"{changed_mb:.0f} MB ({changed_seconds:.0f} s, limit {args.limit_mb} MB), "
        f"unchanged {unchanged_mb:.0f} MB ({unchanged_seconds:.0f} s); "
        f"this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
