from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from search import outbox


class Command(BaseCommand):
    help = _(
        "Arbeitet die Warteschlange der Suchindizierung ab (was nach einer Änderung noch "
        "aussteht oder fehlschlug); für cron oder von Hand."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seconds",
            type=float,
            default=None,
            help=_("höchstens so viele Sekunden arbeiten (sonst bis die Warteschlange leer ist)"),
        )

    def handle(self, *args, seconds=None, **options):
        total = outbox.DrainResult()
        while True:
            result = outbox.drain(max_seconds=seconds)
            total.pages += result.pages
            total.failed += result.failed
            total.remaining = result.remaining
            if not result.remaining or seconds is not None:
                break
        state = outbox.status()
        self.stdout.write(
            _(
                "%(pages)d Seiten indiziert, %(failed)d fehlgeschlagen; in der Warteschlange: "
                "%(pending)d Aufträge, davon %(errors)d mit Fehler."
            )
            % {
                "pages": total.pages,
                "failed": total.failed,
                "pending": state["pending"],
                "errors": state["failed"],
            }
        )
