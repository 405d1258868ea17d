"""Every public page type, for the browser tests that must see all of them (accessibility,
privacy). Checked against cms/urls.py, the apps' urls.py and the page models: each page model
and routable sub-page, and each view that answers visitors with HTML.

Left out: the admin; feeds, exports, APIs and iCalendar files (no HTML); the oEmbed endpoint
(JSON/XML); /api/docs (the Swagger UI of the developer API); /suche/klick/ (a redirect)."""

import datetime as dt

from django.utils import timezone

from agenda.models import EventPage
from alerts.models import Subscription
from alerts.tokens import CONFIRM_SALT, UNSUBSCRIBE_SALT, make_token
from casestudies.importer import CaseImporter
from casestudies.models import Theme
from home.models import LegalPage
from knowledge.models import GlossaryTermPage, GuidePage
from search import engine, indexer
from search.models import SearchEntry
from tests.exchange.helpers import make_event

RICH_CASE = "koenigslutter-machbar"
SPARSE_CASE = "nur-ein-titel"
COMPARED_CASE = "osterburg-buergerrat-klimaschutz"
PAST_EVENT = "mittagstisch-2021-wohnen-im-ort"
UPCOMING_EVENT = "web-talk-mit-anmeldung"
SUBSCRIBER = "leserin@example.org"


def add_page_types(site):
    """What the demo content lacks for a complete tour: a case with only a title and a summary
    (both required), an
    upcoming event open for registration, a subscription for the confirm and unsubscribe
    links, and the search index."""
    CaseImporter().run(
        [
            {
                "title": "Nur ein Titel",
                "slug": SPARSE_CASE,
                "summary": "Ein Fall ohne weitere Angaben.",
            }
        ]
    )
    now = timezone.now()
    make_event(
        UPCOMING_EVENT,
        title="Web-Talk mit Anmeldung",
        start=now + dt.timedelta(days=14),
        deadline=now + dt.timedelta(days=7),
    )
    Subscription.objects.create(
        email=SUBSCRIBER, kind=Subscription.Kind.CASES, filters={"thema": ["wohnen"]}
    )
    if not SearchEntry.objects.exists():
        indexer.rebuild()
    engine.reset_snapshot()
    return site


def public_pages(site):
    """(name, path, expected status) for each public page type and its notable states."""
    library = site.library.url
    theme = Theme.objects.filter(case_pages__live=True).distinct().order_by("sort_order").first()
    guide = GuidePage.objects.live().first()
    term = GlossaryTermPage.objects.live().first()
    events = EventPage.objects.live()
    subscription = Subscription.objects.get(email=SUBSCRIBER)
    confirm = make_token(subscription, CONFIRM_SALT)
    unsubscribe = make_token(subscription, UNSUBSCRIBE_SALT)
    return [
        ("Startseite", "/", 200),
        ("Fallbibliothek", library, 200),
        ("Fallbibliothek gefiltert", f"{library}?thema={theme.slug}&land=NI&status=laufend", 200),
        ("Fallbibliothek ohne Treffer", f"{library}?land=HB&groesse=grossstadt", 200),
        ("Fallbibliothek mit ungültigem Filter", f"{library}?land=XX", 200),
        ("Fallbibliothek Seite 2", f"{library}?seite=2", 200),
        ("Themenübersicht", f"{library}thema/", 200),
        ("Themenseite", f"{library}thema/{theme.slug}/", 200),
        (
            "Fallvergleich",
            f"{library}vergleich/?fall={RICH_CASE}&fall={SPARSE_CASE}&fall={COMPARED_CASE}",
            200,
        ),
        ("Fallvergleich: Fall suchen", f"{library}vergleich/?fall={RICH_CASE}&suche=Stadt", 200),
        ("Fall (ausführlich)", site.case(RICH_CASE).url, 200),
        ("Fall (nur Titel)", site.case(SPARSE_CASE).url, 200),
        ("Suche ohne Anfrage", "/suche/", 200),
        ("Suche mit Treffern", "/suche/?q=Leerstand", 200),
        ("Suche mit Filter", "/suche/?q=Wohnen&land=NW", 200),
        ("Suche ohne Treffer", "/suche/?q=xqzzyvwq", 200),
        ("Suche: Meinten Sie", "/suche/?q=Buergerrta", 200),
        ("Suche Seite 2", "/suche/?q=Stadt&seite=2", 200),
        ("Orte wie meiner (Formular)", "/orte-wie-meiner/", 200),
        ("Orte wie meiner (Ergebnis)", "/orte-wie-meiner/?einwohner=8000&land=NI", 200),
        ("Orte wie meiner (Fehler)", "/orte-wie-meiner/?einwohner=abc", 400),
        ("Orte wie meiner (jede Gemeinde)", "/orte-wie-meiner/?ort=Osterbrug", 200),
        ("Karte", "/karte/", 200),
        ("Karte gefiltert", f"/karte/?thema={theme.slug}&land=NI", 200),
        ("Wissen", "/wissen/", 200),
        ("Wissen: Methoden", "/wissen/?art=methode", 200),
        ("Leitfaden", guide.url, 200),
        ("Glossar", "/wissen/glossar/", 200),
        ("Glossarbegriff", term.url, 200),
        ("Veranstaltungen", "/veranstaltungen/", 200),
        ("Vergangene Veranstaltungen", "/veranstaltungen/vergangene/", 200),
        ("Veranstaltung mit Anmeldung", events.get(slug=UPCOMING_EVENT).url, 200),
        ("Vergangene Veranstaltung", events.get(slug=PAST_EVENT).url, 200),
        ("Benachrichtigung bestellen", f"/benachrichtigungen/?thema={theme.slug}", 200),
        ("Benachrichtigung bestätigen", f"/benachrichtigungen/bestaetigen/{confirm}/", 200),
        ("Ungültiger Bestätigungslink", "/benachrichtigungen/bestaetigen/kaputt/", 404),
        ("Benachrichtigung abmelden", f"/benachrichtigungen/abmelden/{unsubscribe}/", 200),
        ("Einbettung: Karte", f"/einbetten/fall/{RICH_CASE}/karte/", 200),
        ("Einbettung: Fall", f"/einbetten/fall/{RICH_CASE}/", 200),
        ("Einbettung: Liste", f"/einbetten/faelle/?thema={theme.slug}&anzahl=5", 200),
        ("Codebuch", "/export/codebuch/", 200),
        ("Impressum", LegalPage.objects.get(kind="impressum").url, 200),
        ("Datenschutzerklärung", LegalPage.objects.get(kind="datenschutz").url, 200),
        ("Erklärung zur Barrierefreiheit", LegalPage.objects.get(kind="barrierefreiheit").url, 200),
        ("Fall vorschlagen", "/fall-vorschlagen/", 200),
        ("Seite nicht gefunden", "/gibt-es-nicht/", 404),
    ]
