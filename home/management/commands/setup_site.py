from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from agenda.demo import ensure_event_index
from editorial.setup import WORKFLOW_NAME, ensure_groups
from home.legal import ensure_legal_pages
from home.setup import ensure_home, ensure_library, ensure_themes
from knowledge.demo import ensure_knowledge_pages


class Command(BaseCommand):
    help = _(
        "Richtet eine neue Website ohne Beispielinhalte ein: Startseite, Fallbibliothek, "
        "Leitfäden mit Glossar, Veranstaltungen, Impressum, Datenschutz und Barrierefreiheit, "
        "die Grundthemen, die Gruppen Redaktion, "
        "Moderation und Administration und den Workflow „Redaktionelle Prüfung“. Mehrfach "
        "ausführbar: Vorhandenes bleibt, wie es ist."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            home = ensure_home()
            library = ensure_library(home)
            themes = ensure_themes()
            knowledge, glossary = ensure_knowledge_pages(home)
            events = ensure_event_index(home)
            groups = ensure_groups()
            # Impressum, Datenschutz, Barrierefreiheit (after the groups: editors may edit them).
            legal = ensure_legal_pages(home)
        pages = [home, library, knowledge, glossary, events]
        self.stdout.write(
            _("Seiten: %(pages)s.")
            % {"pages": ", ".join(f"{p.title} ({p.url_path})" for p in pages)}
        )
        self.stdout.write(
            _("Themen: %(n)d neu. Gruppen: %(groups)s; Workflow „%(workflow)s“.")
            % {"n": themes, "groups": ", ".join(groups), "workflow": WORKFLOW_NAME}
        )
        if legal:
            self.stdout.write(_("Neue Pflichtseiten: %(pages)s.") % {"pages": ", ".join(legal)})
        self.stdout.write(self.style.SUCCESS(_("Die Website ist eingerichtet.")))
