"""Demo events: the web talks, lunch-time talks and the congress side event of the seeds
(facts from the published announcements, text written for the demo), plus example events in
the future so the registration can be tried. Used by ``load_demo``; idempotent."""

import datetime as dt
import zoneinfo

from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed

from casestudies.models import CasePage, Contact, Organisation, Theme

from .models import EventCase, EventFormat, EventIndexPage, EventPage, EventSpeaker

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
INDEX_INTRO = (
    "<p>Web-Talks, Digitale Mittagstische, Werkstätten vor Ort und Begleitveranstaltungen: "
    "Praktikerinnen und Praktiker aus Kleinstädten geben ihre Erfahrungen weiter. Nach der "
    "Veranstaltung finden Sie hier Aufzeichnungen und Folien.</p>"
)
VHW = "vhw – Bundesverband für Wohnen und Stadtentwicklung e. V."
BBSR = "Bundesinstitut für Bau-, Stadt- und Raumforschung (BBSR)"
DV = "Deutscher Verband für Wohnungswesen, Städtebau und Raumordnung e. V. (DV)"
KLEINSTADTEXPERTEN = "Kleinstadtexperten Königslutter am Elm"
WEB_TALKS = "Kleinstadt Web-Talks"
# Recordings: a reserved domain (.example), so nothing real is ever loaded; the embed code is
# stored with the page data, so the server never asks a provider either.
VIDEO_HOST = "video.kleinstadt-mittagstisch.example"


def berlin(year, month, day, hour, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=BERLIN)


WEB_TALK_INTRO = (
    "<p>In den einstündigen Kleinstadt Web-Talks berichten Praktikerinnen und Praktiker in "
    "einem etwa 20-minütigen Impuls über eigene Projekte; danach ist Zeit für Rückfragen und "
    "Diskussion. Im Vordergrund steht, was andere Kommunen daraus lernen können.</p>"
)


def mittagstisch(number, day, month, topic, slug):
    return {
        "slug": slug,
        "title": f"Qualitäten einer kleinen Stadt {number} – Was wäre möglich?",
        "subtitle": f"Thema: „{topic}“",
        "event_format": EventFormat.LUNCH_TALK,
        "series": "Digitaler Mittagstisch",
        "summary": (
            f"Zwei Kurzvorträge zur Mittagszeit zum Thema „{topic}“: Anstöße für die "
            "Innenstadt von Königslutter am Elm, die zum Weiterdenken anregen."
        ),
        "start": berlin(2021, month, day, 12, 30),
        "end": berlin(2021, month, day, 13, 30),
        "online": True,
        "description": (
            "<p>Der Digitale Mittagstisch war ein neues Format, entstanden, weil man sich in "
            "der Pandemie nicht vor Ort treffen konnte: 60 Minuten in der Pause, zwei "
            "Kurzvorträge, danach kurzer Austausch. Es ging nicht um ausführliche Diskussion, "
            "sondern um gute Ideen, die vor der eigenen Tür oft übersehen werden.</p>"
        ),
        "organisers": [KLEINSTADTEXPERTEN],
        "cases": ["koenigslutter-kleinstadtexperten", "koenigslutter-machbar"],
        "themes": {
            "Wohnen im Ort": ["wohnen"],
            "Einzelhandel in der Innenstadt": ["einzelhandel-innenstadt"],
            "Arbeiten, Wohnen und Freizeit": ["arbeiten-coworking", "wohnen"],
        }[topic],
        "recording": f"https://{VIDEO_HOST}/aufzeichnung/{slug}",
    }


EVENTS = [
    {
        "slug": "web-talk-osterburg-buergerrat",
        "title": "Demokratie stärken: Per Bürgerrat zum Klimaschutzkonzept",
        "subtitle": "Die Umsetzung des ersten Bürgerrates in Sachsen-Anhalt in der Hansestadt "
        "Osterburg",
        "event_format": EventFormat.WEB_TALK,
        "series": WEB_TALKS,
        "summary": (
            "Osterburg hat 2022 und 2023 als erste Kommune in Sachsen-Anhalt einen Bürgerrat "
            "durchgeführt: ausgelost aus allen 31 Ortsteilen, sieben Treffen, Leitplanken für "
            "den Klimaschutz. Bürgermeister und Bauamtsleiter berichten."
        ),
        "start": berlin(2024, 7, 3, 10),
        "end": berlin(2024, 7, 3, 11),
        "online": True,
        "description": WEB_TALK_INTRO
        + (
            "<p>Die Hansestadt Osterburg (Altmark) mit knapp 10.000 Einwohnenden hat die "
            "Teilnehmenden ihres Bürgerrats aus dem Melderegister gelost. Im Web-Talk geht es "
            "um Vorbereitung, Stichprobenziehung, Durchführung und das Vorgehen nach dem "
            "Abschluss – Folgeverfahren sind bereits in Planung.</p>"
        ),
        "questions": [
            "Wie wurde das Losverfahren durchgeführt?",
            "Wer war am Prozess beteiligt?",
            "Welche Rolle und Aufgaben hatte die Verwaltung?",
            "Ein Erfolgsmodell für mehr demokratische Mitgestaltung?",
            "Was und wen braucht es für einen gelingenden Prozess?",
        ],
        "speakers": [
            ("Nico Schulz", "Bürgermeister", "Hansestadt Osterburg (Altmark)"),
            (
                "Matthias Köberle",
                "Amtsleiter Bauen und Wirtschaftsförderung",
                "Hansestadt Osterburg (Altmark)",
            ),
        ],
        "registration_url": "https://www.vhw.de/veranstaltungen/kleinstadt-web-talks/",
        "registration_deadline": berlin(2024, 7, 1, 23, 59),
        "organisers": [VHW, BBSR],
        "contact": True,
        "cases": ["osterburg-buergerrat-klimaschutz"],
        "themes": ["beteiligung-demokratie", "klimaschutz-energie"],
    },
    {
        "slug": "web-talk-istag-wohnungsbaugesellschaft",
        "title": "Kleinstädte aus dem Münsterland auf dem Weg zur Gründung einer gemeinsamen "
        "Wohnungsbaugesellschaft",
        "subtitle": "Das Projekt „Interkommunale stadtregionale Gesellschaft (IstaG)“",
        "event_format": EventFormat.WEB_TALK,
        "series": WEB_TALKS,
        "summary": (
            "Sieben Kommunen rund um Münster haben ein Konzept für eine interkommunale "
            "Wohnungsbaugesellschaft erarbeitet: maximale Eigenständigkeit, gemeinsame "
            "Servicegesellschaft, mehr preisgünstiger Wohnraum."
        ),
        "start": berlin(2024, 9, 4, 10),
        "end": berlin(2024, 9, 4, 11),
        "online": True,
        "description": WEB_TALK_INTRO
        + (
            "<p>Sendenhorst, Altenberge, Drensteinfurt, Everswinkel, Havixbeck, Telgte und "
            "Warendorf haben sich 2022 zur IstaG-Arbeitsgruppe zusammengeschlossen. Das "
            "Konzept nutzt Synergien über eine gemeinsame Servicegesellschaft; die Räte "
            "beraten über die Gründung.</p>"
        ),
        "questions": [
            "Anlass und Rahmenbedingungen zur Gründung der Arbeitsgruppe",
            "Grundzüge des Organisationsmodells und der damit verbundenen Rechtsformen",
            "Haushaltswirtschaftliche Herausforderungen und Konsequenzen beim Einstieg in den "
            "kommunalen Wohnungsbau",
            "Wesentliche Argumente für die politische Bewertung und Entscheidungsfindung",
        ],
        "speakers": [
            ("Wolfgang Pieper", "Bürgermeister", "Stadt Telgte"),
            ("Karl Piochowiak", "Bürgermeister", "Gemeinde Ostbevern"),
        ],
        "registration_url": "https://www.vhw.de/veranstaltungen/kleinstadt-web-talks/",
        "registration_deadline": berlin(2024, 8, 30, 23, 59),
        "organisers": [VHW, BBSR],
        "contact": True,
        "cases": ["istag-muensterland-wohnungsbaugesellschaft"],
        "themes": ["wohnen", "interkommunale-zusammenarbeit"],
    },
    mittagstisch("I", 24, 2, "Wohnen im Ort", "mittagstisch-2021-wohnen-im-ort"),
    mittagstisch("II", 10, 3, "Einzelhandel in der Innenstadt", "mittagstisch-2021-einzelhandel"),
    mittagstisch(
        "III", 24, 3, "Arbeiten, Wohnen und Freizeit", "mittagstisch-2021-arbeiten-wohnen-freizeit"
    ),
    {
        "slug": "gemeinsam-fuer-das-quartier-side-event-2022",
        "title": "Ko-kreative Transformation von Innenstädten, Wohnquartieren und ländlichen "
        "Räumen",
        "subtitle": "Die Initiative „Gemeinsam für das Quartier“ stellt sich vor – Side-Event "
        "beim Bundeskongress Nationale Stadtentwicklungspolitik",
        "event_format": EventFormat.SIDE_EVENT,
        "series": "Bundeskongress Nationale Stadtentwicklungspolitik 2022",
        "summary": (
            "Zwei Stunden über die Vernetzungsinitiative „Gemeinsam für das Quartier“: wer sie "
            "trägt, was sie Städten, Quartieren und Regionen bringt und wie sich Erfolge in der "
            "Praxis zeigen."
        ),
        "start": berlin(2022, 9, 14, 10),
        "end": berlin(2022, 9, 14, 12),
        "online": False,
        "venue": "STATION im Park am Gleisdreieck",
        "address": "Berlin",
        "description": (
            "<p>Die Initiative ist ein Projekt der Nationalen Stadtentwicklungspolitik und "
            "will neue Partnerschaften für eine aktivierende, kooperative und "
            "gemeinwesenorientierte Entwicklung von Quartieren, Stadtzentren, ländlichen "
            "Räumen und Kleinstädten befördern. Nach der Vorstellung berichten Akteure aus "
            "Innenstädten, Wohnquartieren und ländlichen Räumen, wie ihnen Vernetzung und "
            "Zusammenarbeit geholfen haben; zum Schluss diskutieren alle Herausforderungen und "
            "Chancen der Initiative.</p>"
        ),
        "questions": [
            "Wer sind wir, worum geht es uns?",
            "Was ist der Mehrwert der Initiative für Städte, Quartiere und Regionen?",
            "Wie zeigen sich die Erfolge in der Praxis?",
        ],
        "organisers": [
            DV,
            "STADT ALS CAMPUS e. V.",
            "plan zwei Stadtplanung und Architektur",
        ],
        "cases": ["gemeinsam-fuer-das-quartier"],
        "themes": ["kultur-gemeinschaft", "beteiligung-demokratie"],
    },
    # Example events in the future (demo content, not from the seeds).
    {
        "slug": "web-talk-2027-klimaanpassung",
        "title": "Klimaanpassung in Kleinstädten: Schwammstadt in der Altstadt",
        "subtitle": "Beispieltermin der Demo-Inhalte",
        "event_format": EventFormat.WEB_TALK,
        "series": WEB_TALKS,
        "summary": (
            "Wie kleine Städte Starkregen und Hitze begegnen, ohne ihre historische Altstadt "
            "umzukrempeln: Erfahrungen mit Versickerung, Entsiegelung und Förderung."
        ),
        "start": berlin(2027, 1, 20, 10),
        "end": berlin(2027, 1, 20, 11),
        "online": True,
        "description": WEB_TALK_INTRO,
        "questions": [
            "Welche Maßnahmen passen in eine denkmalgeschützte Altstadt?",
            "Wie lassen sich Eigentümerinnen und Eigentümer gewinnen?",
            "Welche Förderprogramme helfen?",
        ],
        "speakers": [
            ("Leitung Stadtbauamt", "Stadtbauamt", "Duderstadt (Beispiel)"),
        ],
        "registration_url": "https://anmeldung.praxisatlas.example/web-talk-2027-klimaanpassung",
        "registration_deadline": berlin(2027, 1, 18, 12),
        "organisers": [VHW, BBSR],
        "contact": True,
        "cases": ["duderstadt-schwammstadt-klimaanpassung", "mengen-waermeplanung-konvoi"],
        "themes": ["klimaschutz-energie"],
    },
    {
        "slug": "stadtwerkstatt-2027-leerstand",
        "title": "StadtWerkStatt vor Ort: Was wird aus dem leeren Laden?",
        "subtitle": "Beispieltermin der Demo-Inhalte",
        "event_format": EventFormat.WORKSHOP,
        "series": "StadtWerkStatt",
        "summary": (
            "Eigentümerinnen, Gründer und Engagierte besprechen vor Ort, wie ein ungenutztes "
            "Ladenlokal oder Grundstück zu einem neuen Projekt werden kann."
        ),
        "start": berlin(2027, 3, 18, 17),
        "end": berlin(2027, 3, 18, 19),
        "online": False,
        "venue": "MachBar",
        "address": "Königslutter am Elm",
        "description": (
            "<p>Referenzen und neue Ideen von außen lassen sich nicht einfach übernehmen. Die "
            "StadtWerkStatt fragt: Passen sie zu unserer Stadt, für wen sind sie interessant, "
            "und wo könnten sie entstehen? Eingeladen ist, wer sich für die Entwicklung der "
            "kleinen Stadt interessiert oder selbst etwas vorhat.</p>"
        ),
        "registration_url": "https://anmeldung.praxisatlas.example/stadtwerkstatt-2027",
        "registration_deadline": berlin(2027, 3, 11, 23, 59),
        "organisers": [KLEINSTADTEXPERTEN],
        "cases": ["koenigslutter-machbar", "bad-langensalza-leerstandsmanagement-zwischennutzung"],
        "themes": ["einzelhandel-innenstadt", "beteiligung-demokratie"],
    },
]


def _organisation(name):
    organisation, _created = Organisation.objects.get_or_create(name=name)
    return organisation


def _web_talk_contact():
    contact, _created = Contact.objects.get_or_create(
        name="",
        function="Organisation der Kleinstadt Web-Talks",
        defaults={"email": "kleinstadt@vhw.de", "organisation": _organisation(VHW)},
    )
    return contact


def _recording(url):
    slug = url.rstrip("/").rsplit("/", 1)[-1]
    Embed.objects.get_or_create(
        hash=get_embed_hash(url),
        defaults={
            "url": url,
            "type": "video",
            "html": (
                f'<iframe src="https://{VIDEO_HOST}/embed/{slug}" title="Aufzeichnung" '
                'width="640" height="360" allowfullscreen></iframe>'
            ),
            "provider_name": "Demo-Mediathek",
            "width": 640,
            "height": 360,
        },
    )
    return [("video", {"video": url, "caption": "Aufzeichnung der Veranstaltung"})]


def ensure_event_index(home):
    """The (empty) events page, where it is missing."""
    index = EventIndexPage.objects.child_of(home).first()
    if index is None:
        index = EventIndexPage(title="Veranstaltungen", slug="veranstaltungen", intro=INDEX_INTRO)
        home.add_child(instance=index)
        index.save_revision().publish()
    return index


def ensure_events(home):
    index = ensure_event_index(home)
    themes = {theme.slug: theme for theme in Theme.objects.all()}
    cases = {case.slug: case for case in CasePage.objects.all()}
    created = 0
    for data in EVENTS:
        if EventPage.objects.child_of(index).filter(slug=data["slug"]).exists():
            continue
        event = EventPage(
            slug=data["slug"],
            title=data["title"],
            subtitle=data.get("subtitle", ""),
            event_format=data["event_format"],
            series=data.get("series", ""),
            summary=data["summary"],
            start=data["start"],
            end=data["end"],
            online=data["online"],
            venue=data.get("venue", ""),
            address=data.get("address", ""),
            description=data.get("description", ""),
            questions=[("question", q) for q in data.get("questions", [])],
            registration_url=data.get("registration_url", ""),
            registration_deadline=data.get("registration_deadline"),
            free_of_charge=True,
            contact=_web_talk_contact() if data.get("contact") else None,
            recording=_recording(data["recording"]) if data.get("recording") else [],
        )
        event.speakers = [
            EventSpeaker(name=name, function=function, town=town)
            for name, function, town in data.get("speakers", [])
        ]
        event.event_cases = [EventCase(case=cases[s]) for s in data["cases"] if s in cases]
        event.themes = [themes[s] for s in data["themes"] if s in themes]
        event.organisers = [_organisation(name) for name in data.get("organisers", [])]
        index.add_child(instance=event)
        event.save_revision().publish()
        created += 1
    return created
