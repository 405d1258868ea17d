"""The page tree every site needs (home page, case library, themes), created idempotently.
Used by ``setup_site`` (a production site without demo content) and ``load_demo``."""

import json
from pathlib import Path

from wagtail.models import Page, Site

from casestudies.models import CaseLibraryPage, Theme

from .models import HomePage

THEMES = Path(__file__).resolve().parents[1] / "casestudies" / "demo_data" / "themes.json"
SITE_NAME = "Praxisatlas Kleinstadt"
HOME_LEAD = "Übertragbare Praxis für Kleinstädte: Fälle, aus denen andere Städte lernen können."
HOME_INTRO = (
    "<p>Der Praxisatlas sammelt Projekte aus Kleinstädten zwischen 5.000 und 20.000 "
    "Einwohnerinnen und Einwohnern: was die Ausgangslage war, was getan wurde, was es gebracht "
    "hat und was eine andere Stadt braucht, um es nachzumachen.</p>"
)
LIBRARY_INTRO = "<p>Alle Praxisfälle, filterbar nach Thema, Bundesland, Stadtgröße und Status.</p>"


def ensure_home(intro=HOME_INTRO):
    """The home page as the default site's root (replacing Wagtail's welcome page)."""
    home = HomePage.objects.first()
    root = Page.get_first_root_node()
    if root is None:  # a flushed database (for example after a transactional test)
        root = Page.add_root(instance=Page(title="Root", slug="root"))
    if home is None:
        home = HomePage(title=SITE_NAME, slug="praxisatlas", lead=HOME_LEAD, intro=intro)
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=SITE_NAME
        )
    elif site.root_page_id != home.pk:
        old_root = site.root_page
        site.root_page = home
        site.site_name = SITE_NAME
        site.save()
        # Remove Wagtail's placeholder welcome page once nothing points at it.
        if (
            old_root.depth == 2
            and old_root.specific_class is Page
            and not old_root.get_children().exists()
        ):
            old_root.delete()
    return home


def ensure_library(home):
    library = CaseLibraryPage.objects.child_of(home).first()
    if library is None:
        library = CaseLibraryPage(title="Praxisfälle", slug="faelle", intro=LIBRARY_INTRO)
        home.add_child(instance=library)
        library.save_revision().publish()
    return library


def ensure_themes():
    """The base themes with their other names; an editor's changes to a theme's summary or
    other names are kept. Returns the number of themes created."""
    created = 0
    themes = json.loads(THEMES.read_text(encoding="utf-8"))
    for order, data in enumerate(themes, start=1):
        theme, new = Theme.objects.get_or_create(
            slug=data["slug"],
            defaults={
                "name": data["name"],
                "summary": data["summary"],
                "sort_order": order,
                "synonyms": data.get("synonyms", ""),
            },
        )
        created += new
        if not new and not theme.synonyms and data.get("synonyms"):
            theme.synonyms = data["synonyms"]
            theme.save(update_fields=["synonyms"])
    return created
