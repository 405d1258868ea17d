import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from search import consumers, indexer


class Command(BaseCommand):
    help = _(
        "Baut die Sucheinträge aller veröffentlichten Seiten neu auf (nach einer Änderung der "
        "Textanalyse) und ersetzt die bisherigen in einem Schritt; die Suche antwortet "
        "währenddessen aus dem bisherigen Stand. Danach baut jeder abgeleitete Index "
        "(Suchserver, Vektoren) neu auf."
    )

    def add_arguments(self, parser):
        parser.add_argument("--backend", help=_("nur dieses Wagtail-Such-Backend neu indizieren"))
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, backend=None, no_progress=False, **options):
        quiet = no_progress or options["verbosity"] < 1
        started = time.monotonic()
        with self.bar(_("Sucheinträge"), quiet) as bar:
            count = indexer.rebuild(progress=self.progress(bar))
        seconds = max(time.monotonic() - started, 1e-6)
        self.stdout.write(
            _("%(count)d Sucheinträge in %(seconds).1f s aufgebaut (%(rate).0f Einträge/s).")
            % {"count": count, "seconds": seconds, "rate": count / seconds}
        )
        for consumer in consumers.registered():
            started = time.monotonic()
            with self.bar(consumer.name, quiet) as bar:
                try:
                    consumer.rebuild(progress=self.progress(bar))
                except Exception as error:
                    raise CommandError(
                        _("Index „%(name)s“ konnte nicht neu aufgebaut werden: %(error)s")
                        % {"name": consumer.name, "error": error}
                    ) from error
            seconds = max(time.monotonic() - started, 1e-6)
            self.stdout.write(
                _("%(name)s: %(count)d Einträge in %(seconds).1f s (%(rate).1f je Sekunde).")
                % {
                    "name": consumer.name,
                    "count": bar.n,
                    "seconds": seconds,
                    "rate": bar.n / seconds,
                }
            )
        update = ["update_index"]
        if backend:
            update += ["--backend", backend]
        call_command(*update, verbosity=0, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(_("%d Sucheinträge aufgebaut.") % count))

    @staticmethod
    def bar(description, quiet):
        return tqdm(desc=description, unit=_(" Einträge"), file=sys.stderr, disable=quiet)

    @staticmethod
    def progress(bar):
        def update(done, total):
            bar.total = total
            bar.update(done - bar.n)

        return update
