from django.core.management.base import BaseCommand

from places.directory import DATA_FILE, directory_loaded, load


class Command(BaseCommand):
    help = (
        "Lädt das Gemeindeverzeichnis (places/data/gemeinden.csv.gz) oder aktualisiert es; "
        "beliebig oft wiederholbar. Füllt danach fehlende Koordinaten der Orte."
    )

    def add_arguments(self, parser):
        parser.add_argument("--datei", default=str(DATA_FILE), help="CSV (gzip) wie geliefert")

    def handle(self, *args, **options):
        created, updated = load(options["datei"])
        report = [f"Gemeinden: {created} neu, {updated} aktualisiert."]
        report += [str(line) for _receiver, line in directory_loaded.send(sender=self.__class__)]
        self.stdout.write(" ".join(report))
