import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casestudies.importer import ImportFailed
from transfer.library import export_library, library_to_zip


class Command(BaseCommand):
    help = _(
        "Exportiert die ganze Fallbibliothek (Fälle, Bereiche, Themen, Orte, Kontakte, "
        "Organisationen, Förderprogramme) als JSON oder, bei der Endung .zip, als eine "
        "CSV-Datei je Modell. import_library liest beides wieder ein."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help=_("Zieldatei (.json oder .zip)"))

    def handle(self, *args, path, **options):
        try:
            data = export_library()
        except ImportFailed as failure:
            raise CommandError("\n".join(failure.errors)) from failure
        if path.lower().endswith(".zip"):
            with open(path, "wb") as handle:
                handle.write(library_to_zip(data))
        else:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False, indent=2)
                handle.write("\n")
        self.stdout.write(
            self.style.SUCCESS(
                _("%(cases)d Fälle, %(towns)d Orte, %(themes)d Themen nach %(path)s exportiert.")
                % {
                    "cases": len(data["cases"]),
                    "towns": len(data["towns"]),
                    "themes": len(data["themes"]),
                    "path": path,
                }
            )
        )
