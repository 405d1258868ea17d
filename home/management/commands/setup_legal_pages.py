from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from home.legal import ensure_legal_pages


class Command(BaseCommand):
    help = _(
        "Legt Impressum, Datenschutzerklärung und Erklärung zur Barrierefreiheit unter der "
        "Startseite an, wenn sie fehlen. Mehrfach ausführbar: vorhandene Seiten bleiben, wie "
        "die Redaktion sie bearbeitet hat."
    )

    def handle(self, *args, **options):
        created = ensure_legal_pages()
        if created:
            self.stdout.write(self.style.SUCCESS(_("Angelegt: %s") % ", ".join(created)))
        else:
            self.stdout.write(_("Alle rechtlichen Seiten sind vorhanden."))
