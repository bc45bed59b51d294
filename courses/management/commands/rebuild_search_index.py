from django.core.management.base import BaseCommand

from courses.search import rebuild_index


class Command(BaseCommand):
    help = (
        "Rebuild the lesson search index. On SQLite this recreates the FTS5 table, the "
        "triggers that keep it in step with lessons, and its contents. On PostgreSQL the "
        "search vector is a generated column that is always current: nothing to do."
    )

    def handle(self, *args, **options):
        indexed = rebuild_index()
        if options["verbosity"] < 1:
            return
        if indexed is None:
            self.stdout.write(
                "PostgreSQL keeps the search vector in a generated column; nothing to rebuild."
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Indexed {indexed} lessons."))
