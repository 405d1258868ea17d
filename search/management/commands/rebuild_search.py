import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from tqdm import tqdm

from search import consumers, indexer
from search.engine import reset_snapshot


class Command(BaseCommand):
    help = _(
        "Baut die Sucheinträge aller veröffentlichten Seiten neu auf (nach einer Änderung der "
        "Textanalyse) und aktualisiert die Indizes aller Such-Backends."
    )

    def add_arguments(self, parser):
        parser.add_argument("--backend", help=_("nur dieses Backend neu indizieren"))
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, backend=None, no_progress=False, **options):
        bar = tqdm(
            desc=_("Sucheinträge"),
            unit=_(" Seiten"),
            file=sys.stderr,
            disable=no_progress or options["verbosity"] < 1,
        )
        with bar:
            count = indexer.rebuild(progress=lambda n: bar.update(n - bar.n))
        reset_snapshot()
        update = ["update_index"]
        if backend:
            update += ["--backend", backend]
        call_command(*update, verbosity=0, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(_("%d Sucheinträge aufgebaut.") % count))
        for consumer in consumers.registered():
            self._rebuild_consumer(consumer, disabled=no_progress or options["verbosity"] < 1)

    def _rebuild_consumer(self, consumer, disabled):
        """One derived index (search/consumers.py) with its own progress bar and rate."""
        bar = tqdm(desc=consumer.name, unit=_(" Einträge"), file=sys.stderr, disable=disabled)
        started = time.perf_counter()
        with bar:

            def progress(done, total):
                bar.total = total
                bar.update(done - bar.n)

            consumer.rebuild(progress=progress)
        seconds = time.perf_counter() - started
        self.stdout.write(
            _("%(name)s: %(count)d Einträge in %(seconds).0f s (%(rate).1f je Sekunde).")
            % {
                "name": consumer.name,
                "count": bar.n,
                "seconds": seconds,
                "rate": bar.n / seconds if seconds else 0.0,
            }
        )
