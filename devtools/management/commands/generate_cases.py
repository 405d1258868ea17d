import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casestudies.importer import ImportFailed
from casestudies.models import CaseLibraryPage
from devtools.bulk import create_cases
from devtools.fake import generate_records


class Command(BaseCommand):
    help = _(
        "Legt N erzeugte Praxisfälle (devtools.fake) schnell in einem Durchgang an: "
        "veröffentlichte Seiten mit Orten, Themen, Schlagwörtern, Förderung, Partnern, "
        "Kontakten und Sucheinträgen. Vorhandene slugs werden übersprungen."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help=_("Anzahl der Fälle"))
        parser.add_argument("--seed", type=int, default=0, help=_("Startwert des Zufalls"))
        parser.add_argument(
            "--library", help=_("slug der Fallbibliothek, unter der die Fälle angelegt werden")
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=_("Keinen Fortschrittsbalken zeigen")
        )

    def handle(self, *args, count, seed, library, no_progress, **options):
        if count < 0:
            raise CommandError(_("Die Anzahl darf nicht negativ sein."))
        library_page = None
        if library:
            library_page = CaseLibraryPage.objects.filter(slug=library).first()
            if library_page is None:
                raise CommandError(_("Keine Fallbibliothek mit dem slug „%s“.") % library)
        started = time.perf_counter()
        try:
            result = create_cases(
                generate_records(count, seed=seed),
                library=library_page,
                progress_bar=not no_progress and options["verbosity"] >= 1,
            )
        except ImportFailed as failure:
            raise CommandError("\n".join(failure.errors)) from failure
        elapsed = time.perf_counter() - started
        if options["verbosity"] >= 2 or (options["verbosity"] >= 1 and result.created):
            for step, seconds in result.timings.items():
                self.stdout.write(f"  {step:<24} {seconds:8.2f} s")
        self.stdout.write(
            self.style.SUCCESS(
                _("%(new)d Fälle angelegt, %(skip)d vorhanden, in %(s).1f s.")
                % {"new": len(result.created), "skip": len(result.skipped), "s": elapsed}
            )
        )
