from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courses.importing import ContentError, import_content
from courses.importing.report import printable

# Progress shows for courses with at least this many lessons to render.
PROGRESS_FROM = 100


class Command(BaseCommand):
    help = (
        "Import Docusaurus-format Markdown courses. Each PATH is a Docusaurus site (a "
        "folder with docusaurus.config.js/ts/mjs and its docs folder, or that docs folder): "
        "one course; or one course folder (it holds .md/.mdx lessons or a "
        "_category_.json/.yml file directly); or a folder of courses (any other folder: "
        "each subfolder is one course). Default: settings.CONTENT_DIR. Each course is "
        "checked whole and written in one transaction; a course with errors is left "
        "exactly as it was."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="*",
            metavar="PATH",
            help="a Docusaurus site, a course folder or a folder of courses "
            "(default: settings.CONTENT_DIR)",
        )
        parser.add_argument(
            "--course",
            action="append",
            default=[],
            metavar="DIR",
            help="Read DIR as one course, whatever it holds (repeatable).",
        )
        parser.add_argument(
            "--slug",
            help="The course's slug (its URL and identity), when one course is imported. "
            "Default: a site's projectName, else its title; a folder's name.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report, write nothing."
        )
        parser.add_argument("--strict", action="store_true", help="Treat broken links as errors.")
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Delete lessons whose files are gone (with their completions) instead of "
            "archiving them.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Overwrite lessons edited in the admin."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Let the import archive (with --prune, delete) most of a course's lessons; "
            "without it such an import stops and changes nothing.",
        )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        try:
            paths = options["paths"]
            reports = import_content(
                paths or ([] if options["course"] else [settings.CONTENT_DIR]),
                courses=options["course"],
                slug=options["slug"],
                replace=options["replace"],
                dry_run=options["dry_run"],
                strict=options["strict"],
                prune=options["prune"],
                force=options["force"],
                on_progress=self.show_progress if verbosity >= 1 else None,
            )
        except ContentError as error:
            raise CommandError("\n".join(map(printable, error.errors))) from None
        for report in reports:
            self.write_report(report, verbosity)
        failed = [report.course for report in reports if report.errors]
        if failed:
            raise CommandError(
                f"Not imported, left as they were: {', '.join(failed)} (errors above)."
            )
        if not reports:
            self.stderr.write("No courses found.")

    def show_progress(self, course, done, total):
        if total < PROGRESS_FROM:
            return
        message = f"{course}: rendered {done}/{total} lessons"
        if self.stderr.isatty():
            self.stderr.write(f"\r{message}", ending="\n" if done == total else "")
            self.stderr.flush()
        elif done % PROGRESS_FROM == 0 or done == total:
            self.stderr.write(message)

    def write_report(self, report, verbosity):
        if report.errors:
            count = len(report.errors)
            problems = "1 error" if count == 1 else f"{count} errors"
            self.stderr.write(self.style.ERROR(f"{report.course}: {problems}"))
            for error in report.errors:
                self.stderr.write(f"  {printable(error)}")
            return
        if verbosity < 1:
            return
        self.stdout.write(self.style.SUCCESS(report.summary()))
        sections = [
            ("restored", report.restored),
            ("archived", report.archived),
            ("pruned", report.pruned),
            ("kept admin edit (--force overwrites)", report.kept_admin_edits),
            ("broken link", report.broken_links),
            ("warning", report.warnings),
        ]
        if verbosity >= 2:
            sections[:0] = [("created", report.created), ("updated", report.updated)]
        for label, items in sections:
            for item in items:
                self.stdout.write(f"  {label}: {printable(item)}")
