import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from search import consumers, indexer
from search.engines import server


class Command(BaseCommand):
    help = _(
        "Baut die Suche neu auf, so wie sie eingerichtet ist: die Sucheinträge aller "
        "veröffentlichten Seiten (nach einer Änderung der Textanalyse), die die bisherigen in "
        "einem Schritt ersetzen, danach jeden abgeleiteten Index – den der Suchmaschine "
        "(SEARCH_URL) in einen neuen Index mit Umschalten des Alias, die Vektoren. Die Suche "
        "antwortet währenddessen aus dem bisherigen Stand. Mit --engine-only nur den Index "
        "der Suchmaschine aus den vorhandenen Sucheinträgen."
    )

    def add_arguments(self, parser):
        parser.add_argument("--backend", help=_("nur dieses Wagtail-Such-Backend neu indizieren"))
        parser.add_argument(
            "--engine-only",
            action="store_true",
            help=_("nur den Index der Suchmaschine (SEARCH_URL) neu aufbauen"),
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, backend=None, engine_only=False, no_progress=False, **options):
        quiet = no_progress or options["verbosity"] < 1
        if engine_only:
            if not server.configured():
                raise CommandError(_("Keine Suchmaschine eingerichtet (SEARCH_URL ist leer)."))
            self.rebuild_consumers([server.EngineConsumer()], quiet)
            self.report_engine()
            return
        started = time.monotonic()
        with self.bar(_("Sucheinträge"), quiet) as bar:
            count = indexer.rebuild(progress=self.progress(bar))
        seconds = max(time.monotonic() - started, 1e-6)
        self.stdout.write(
            _("%(count)d Sucheinträge in %(seconds).1f s aufgebaut (%(rate).0f Einträge/s).")
            % {"count": count, "seconds": seconds, "rate": count / seconds}
        )
        self.rebuild_consumers(consumers.registered(), quiet)
        if server.configured():
            self.report_engine()
        update = ["update_index"]
        if backend:
            update += ["--backend", backend]
        call_command(*update, verbosity=0, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(_("%d Sucheinträge aufgebaut.") % count))

    def rebuild_consumers(self, registered, quiet):
        """Each derived index from the search entries, with a progress bar and its rate."""
        for consumer in registered:
            started = time.monotonic()
            with self.bar(consumer.name, quiet) as bar:
                try:
                    consumer.rebuild(progress=self.progress(bar))
                except server.UNAVAILABLE as error:
                    raise CommandError(_("Suchmaschine nicht erreichbar: %s") % error) from error
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

    def report_engine(self):
        """Where the alias points now, and what the server cannot do (the site makes up
        for it)."""
        indices = server.indices_of_alias()
        self.stdout.write(
            self.style.SUCCESS(
                _("Alias „%(alias)s“ zeigt jetzt auf %(index)s.")
                % {"alias": server.alias(), "index": ", ".join(indices)}
            )
        )
        missing = sorted(name for name, present in server.capabilities().items() if not present)
        if missing:
            self.stdout.write(
                _("Die Suchmaschine kann nicht: %s (die Seite gleicht das aus).")
                % ", ".join(missing)
            )

    @staticmethod
    def bar(description, quiet):
        return tqdm(desc=description, unit=_(" Einträge"), file=sys.stderr, disable=quiet)

    @staticmethod
    def progress(bar):
        def update(done, total):
            bar.total = total
            bar.update(done - bar.n)

        return update
