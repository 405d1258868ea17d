import json

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from casestudies.importer import export_records


class Command(BaseCommand):
    help = _("Schreibt alle Praxisfälle im Importformat als JSON (Datei oder Standardausgabe).")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help=_("Zieldatei; ohne Angabe Standardausgabe"))

    def handle(self, *args, file=None, **options):
        records = export_records()
        text = json.dumps(records, ensure_ascii=False, indent=2)
        if file:
            with open(file, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            self.stderr.write(self.style.SUCCESS(_("%d Fälle exportiert.") % len(records)))
        else:
            self.stdout.write(text)
