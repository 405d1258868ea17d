import json
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from agenda.demo import ensure_events
from casestudies.importer import CaseImporter, ImportFailed, german_slugify
from casestudies.models import CasePage
from editorial.setup import ensure_groups
from home.legal import ensure_legal_pages
from home.models import FeaturedCase
from home.setup import ensure_home, ensure_library, ensure_themes
from knowledge.demo import ensure_knowledge

DEMO_DATA = Path(__file__).resolve().parents[3] / "casestudies" / "demo_data"

HOME_INTRO = (
    "<p>Der Praxisatlas sammelt Projekte aus Kleinstädten zwischen 5.000 und 20.000 "
    "Einwohnerinnen und Einwohnern: was die Ausgangslage war, was getan wurde, was es gebracht "
    "hat und was eine andere Stadt braucht, um es nachzumachen.</p>"
    "<p>Die Fälle aus Osterburg, dem Münsterland (IstaG), dem StadtLabor Kleinstadt, aus "
    "Königslutter am Elm und der Initiative „Gemeinsam für das Quartier“ beruhen auf "
    "veröffentlichten Projektinformationen; die übrigen Fälle sind Beispielinhalte.</p>"
)


class Command(BaseCommand):
    help = _(
        "Legt den Seitenbaum (Startseite, Fallbibliothek), die Themen und die Demo-Fälle an. "
        "Mehrfach ausführbar: Vorhandenes wird abgeglichen, nicht verdoppelt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", default=str(DEMO_DATA / "cases.json"))

    def handle(self, *args, cases, **options):
        with transaction.atomic():
            home = ensure_home(intro=HOME_INTRO)
            library = ensure_library(home)
            ensure_themes()
        records = json.loads(Path(cases).read_text(encoding="utf-8"))
        try:
            result = CaseImporter(library=library).run(records)
        except ImportFailed as failure:
            raise CommandError("\n".join(failure.errors)) from failure
        featured = [
            r.get("slug") or german_slugify(r["title"]) for r in records if r.get("featured")
        ]
        self.ensure_featured(home, featured)
        # The municipality directory (after a flush too) and the towns' coordinates from it.
        call_command("load_municipalities", stdout=self.stdout)
        # Groups, the moderation workflow and the two demo partner sections with their cases.
        call_command("setup_editorial", demo=True, verbosity=0, stdout=self.stdout)
        # Impressum, Datenschutz, Barrierefreiheit (after the groups: editors may edit them).
        ensure_legal_pages(home)
        with transaction.atomic():
            guides = ensure_knowledge(home)
            events = ensure_events(home)
            # The guides and events sections exist only now: their rights and workflow.
            ensure_groups()
        self.stdout.write(
            _("Wissen und Veranstaltungen: %(guides)d Leitfäden und %(events)d Termine neu.")
            % {"guides": guides, "events": events}
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo-Inhalte: %(new)d Fälle neu, %(upd)d aktualisiert, %(same)d unverändert.")
                % {
                    "new": len(result.created),
                    "upd": len(result.updated),
                    "same": len(result.unchanged),
                }
            )
        )

    def ensure_featured(self, home, slugs):
        if home.featured_cases.exists() or not slugs:
            return
        cases = {case.slug: case for case in CasePage.objects.filter(slug__in=slugs)}
        home = home.get_latest_revision_as_object()
        home.featured_cases = [FeaturedCase(case=cases[slug]) for slug in slugs if slug in cases]
        home.save_revision().publish()
