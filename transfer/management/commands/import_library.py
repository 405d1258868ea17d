import sys
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from casestudies.importer import ImportFailed
from core.users import user_by_name
from transfer.commands import LibraryFileCommand
from transfer.library import import_library, read_library


class Command(LibraryFileCommand):
    help = _(
        "Liest einen Export von export_library (JSON oder ZIP mit CSV-Dateien) ein: legt "
        "fehlende Bibliothek, Bereiche und Stammdaten an und importiert alle Fälle. Alles in "
        "einer Transaktion; ein fehlerhafter Datensatz ändert nichts. Wiederholbar."
    )
    path_help = gettext_lazy("Exportdatei (.json oder .zip)")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--user", help=_("Benutzername: Fälle mit dessen Seitenrechten importieren")
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=_("Keinen Fortschrittsbalken zeigen")
        )

    def handle(self, *args, path, user, no_progress, **options):
        account = user_by_name(user) if user else None
        try:
            data = read_library(path)
            bar = tqdm(
                total=len(data.get("cases", [])) if isinstance(data, dict) else 0,
                desc=_("Import"),
                unit=_(" Fälle"),
                file=sys.stderr,
                disable=no_progress or options["verbosity"] < 1,
            )
            with bar:
                result = import_library(
                    data,
                    user=account,
                    source=Path(path).name,
                    progress=lambda done, total: bar.update(done - bar.n),
                )
        except OSError as error:
            raise CommandError(_("Datei kann nicht gelesen werden: %s") % error) from error
        except ImportFailed as failure:
            heading = _("Import abgebrochen, nichts wurde geändert:")
            raise self.failed(failure, heading) from failure
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        self.stdout.write(
            self.style.SUCCESS(
                _("%(new)d angelegt, %(upd)d aktualisiert, %(same)d unverändert.")
                % {
                    "new": len(result.created),
                    "upd": len(result.updated),
                    "same": len(result.unchanged),
                }
            )
        )
