from django.core.management.base import BaseCommand

from places.directory import DATA_FILE, load
from places.towns import fill_towns


class Command(BaseCommand):
    help = (
        "Lädt das Gemeindeverzeichnis (places/data/gemeinden.csv.gz) oder aktualisiert es; "
        "beliebig oft wiederholbar. Füllt danach fehlende Koordinaten der Orte."
    )

    def add_arguments(self, parser):
        parser.add_argument("--datei", default=str(DATA_FILE), help="CSV (gzip) wie geliefert")

    def handle(self, *args, **options):
        created, updated = load(options["datei"])
        filled, missing = fill_towns()
        self.stdout.write(
            f"Gemeinden: {created} neu, {updated} aktualisiert. "
            f"Orte: {filled} ergänzt, {missing} ohne Koordinaten."
        )
