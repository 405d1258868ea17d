import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casestudies.importer import ImportFailed
from transfer.commands import LibraryFileCommand
from transfer.library import export_library, library_to_zip


class Command(LibraryFileCommand):
    help = _(
        "Exportiert die ganze Fallbibliothek (Fälle, Bereiche, Themen, Orte, Kontakte, "
        "Organisationen, Förderprogramme) als JSON oder, bei der Endung .zip, als eine "
        "CSV-Datei je Modell. import_library liest beides wieder ein."
    )
    path_help = gettext_lazy("Zieldatei (.json oder .zip)")

    def handle(self, *args, path, **options):
        try:
            data = export_library()
        except ImportFailed as failure:
            raise self.failed(failure) from failure
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
