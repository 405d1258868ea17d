from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from casestudies.importer import CaseImporter
from devtools.fake import generate_records

CORPUS_SEED = 42
CORPUS_SIZE = 300


class Command(BaseCommand):
    help = _(
        "Lädt das Korpus der Relevanztests: die Demo-Fälle und %d erzeugte Fälle "
        "(seed %d) als Ablenker."
    ) % (CORPUS_SIZE, CORPUS_SEED)

    def handle(self, *args, **options):
        call_command("load_demo", verbosity=0, stdout=self.stdout)
        result = CaseImporter().run(generate_records(CORPUS_SIZE, seed=CORPUS_SEED))
        self.stdout.write(
            _("Erzeugte Fälle: %(new)d neu, %(same)d unverändert.")
            % {"new": len(result.created), "same": len(result.unchanged)}
        )
