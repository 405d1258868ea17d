"""Rebuild the search engine's index (SEARCH_URL) from the search entries, without downtime."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from search.engines import server


class Command(BaseCommand):
    help = _(
        "Baut den Index der Suchmaschine (SEARCH_URL) aus den Sucheinträgen in einen neuen "
        "Index auf und schaltet den Alias danach um; Suchen laufen währenddessen weiter."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, no_progress=False, **options):
        if not server.configured():
            raise CommandError(_("Keine Suchmaschine eingerichtet (SEARCH_URL ist leer)."))
        bar = tqdm(
            desc=_("Suchindex"),
            unit=_(" Einträge"),
            file=sys.stderr,
            disable=no_progress or options["verbosity"] < 1,
        )

        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        try:
            with bar:
                index = server.EngineConsumer().rebuild(progress=progress)
        except server.UNAVAILABLE as error:
            raise CommandError(_("Suchmaschine nicht erreichbar: %s") % error) from error
        capabilities = server.capabilities()
        missing = sorted(name for name, present in capabilities.items() if not present)
        self.stdout.write(
            self.style.SUCCESS(
                _("Alias „%(alias)s“ zeigt jetzt auf %(index)s.")
                % {
                    "alias": server.alias(),
                    "index": index,
                }
            )
        )
        if missing:
            self.stdout.write(
                _("Die Suchmaschine kann nicht: %s (die Seite gleicht das aus).")
                % ", ".join(missing)
            )
