"""Demo content of the knowledge base: guides with steps written for the demo, and the
glossary. Used by ``load_demo``; idempotent (pages are matched by slug)."""

from casestudies.models import CasePage, Theme

from .models import GlossaryPage, GlossaryTermPage, GuideCase, GuidePage, KnowledgeIndexPage

INDEX_INTRO = (
    "<p>Leitfäden und Methoden zeigen Schritt für Schritt, wie Kleinstädte ein Vorhaben "
    "angehen: was es braucht, was es kostet, wo es hakt – und welche Praxisfälle es schon "
    "vorgemacht haben.</p>"
)
GLOSSARY_INTRO = (
    "<p>Begriffe aus Stadtentwicklung, Förderung und Beteiligung, kurz erklärt. Wo sie in "
    "Fällen und Leitfäden vorkommen, führt ein Link hierher.</p>"
)


def _step(title, text, responsible="", duration=""):
    return (
        "step",
        {"title": title, "text": text, "responsible": responsible, "duration": duration},
    )


GUIDES = [
    {
        "slug": "buergerrat-per-losverfahren-einberufen",
        "title": "Bürgerrat per Losverfahren einberufen",
        "kind": "methode",
        "summary": (
            "Zufällig ausgeloste Einwohnerinnen und Einwohner beraten eine Frage der Stadt und "
            "geben dem Rat Empfehlungen – vom Ratsbeschluss über die Stichprobe bis zur "
            "Rückmeldung."
        ),
        "intro": (
            "<p>Ein Bürgerrat holt Menschen an den Tisch, die sonst selten mitreden. Weil die "
            "Teilnehmenden aus dem Melderegister gelost werden, bildet die Runde die Stadt "
            "besser ab als eine offene Versammlung. In Kleinstädten mit vielen Ortsteilen lohnt "
            "es sich, das Losverfahren nach Ortsteilen zu schichten.</p>"
        ),
        "prerequisites": (
            "<ul><li>Ein Ratsbeschluss mit klarer Frage und der Zusage, sich mit den "
            "Empfehlungen zu befassen</li><li>Zugang zum Melderegister für die Stichprobe "
            "(Datenschutz mit der bzw. dem Beauftragten klären)</li><li>Eine neutrale "
            "Moderation</li></ul>"
        ),
        "duration": "9 bis 15 Monate vom Beschluss bis zur Rückmeldung",
        "staff": "Eine Koordinationsstelle (etwa halbe Stelle) in der Verwaltung",
        "costs": (
            "Moderation und Prozessbegleitung, Aufwandsentschädigungen, Räume, Verpflegung und "
            "Kinderbetreuung; für sieben Treffen meist ein mittlerer fünfstelliger Betrag."
        ),
        "steps": [
            _step(
                "Frage und Auftrag beschließen",
                "<p>Der Rat legt fest, worüber der Bürgerrat berät, was mit den Empfehlungen "
                "geschieht und welches Budget bereitsteht.</p>",
                "Bürgermeister, Rat",
                "1–2 Monate",
            ),
            _step(
                "Stichprobe ziehen",
                "<p>Aus dem Melderegister wird geschichtet nach Ortsteilen, Alter und "
                "Geschlecht gelost. Weil nur ein Teil zusagt, werden deutlich mehr Menschen "
                "angeschrieben, als Plätze vorhanden sind.</p>",
                "Verwaltung, Meldebehörde",
                "4–6 Wochen",
            ),
            _step(
                "Teilnahme ermöglichen",
                "<p>Persönliche Einladung, Nachfassen per Telefon, Aufwandsentschädigung, "
                "Fahrdienst aus den Ortsteilen und Kinderbetreuung senken die Hürden.</p>",
                "Koordination",
            ),
            _step(
                "Beraten",
                "<p>In mehreren moderierten Treffen informieren sich die Teilnehmenden bei "
                "Fachleuten, diskutieren in Kleingruppen und formulieren Empfehlungen.</p>",
                "Moderation",
                "4–6 Monate",
            ),
            _step(
                "Empfehlungen übergeben und beantworten",
                "<p>Der Bürgerrat übergibt seine Empfehlungen öffentlich. Rat und Verwaltung "
                "antworten zu jeder Empfehlung, was sie übernehmen und warum nicht.</p>",
                "Rat, Verwaltung",
            ),
        ],
        "pitfalls": (
            "<p>Ohne verbindliche Zusage des Rats, sich mit den Ergebnissen zu befassen, "
            "verliert das Verfahren an Glaubwürdigkeit. Eine zu offene Frage überfordert die "
            "Runde; eine zu enge lässt ihr nichts zu entscheiden.</p>"
        ),
        "themes": ["beteiligung-demokratie", "klimaschutz-energie"],
        "cases": [
            (
                "osterburg-buergerrat-klimaschutz",
                "Erster Bürgerrat in Sachsen-Anhalt: Stichprobe aus allen 31 Ortsteilen.",
            ),
            ("grevesmuehlen-buergerhaushalt", "Beteiligung mit echtem Budget."),
        ],
    },
    {
        "slug": "interkommunale-wohnungsbaugesellschaft-gruenden",
        "title": "Interkommunale Wohnungsbaugesellschaft gründen",
        "kind": "leitfaden",
        "summary": (
            "Mehrere Kommunen bündeln Kompetenzen in einer gemeinsamen Servicegesellschaft und "
            "bauen trotzdem jede für sich preisgünstigen Wohnraum."
        ),
        "intro": (
            "<p>Kleine Städte haben selten eine eigene Wohnungsbaugesellschaft, aber oft zu "
            "wenig bezahlbare Wohnungen. Eine interkommunale Lösung teilt Fachwissen und "
            "Verwaltung, während jede Kommune über ihre Projekte selbst entscheidet.</p>"
        ),
        "prerequisites": (
            "<ul><li>Ein gemeinsamer Bedarf, belegt durch eine Wohnungsmarktanalyse</li>"
            "<li>Bereitschaft der Räte, Eigenkapital und Grundstücke einzubringen</li>"
            "<li>Kommunalaufsicht früh einbinden</li></ul>"
        ),
        "duration": "2 bis 3 Jahre bis zur Gründung",
        "staff": "Je Kommune eine Ansprechperson; Geschäftsführung der Servicegesellschaft",
        "costs": (
            "Gutachten zu Rechtsform und Wirtschaftlichkeit, Gründungskosten, Eigenkapital der "
            "Projektgesellschaften; Förderung über die soziale Wohnraumförderung des Landes."
        ),
        "steps": [
            _step(
                "Arbeitsgruppe bilden",
                "<p>Bürgermeisterinnen und Bürgermeister der beteiligten Kommunen vereinbaren "
                "Ziele und einen Zeitplan.</p>",
                "Verwaltungsspitzen",
                "3 Monate",
            ),
            _step(
                "Organisationsmodell wählen",
                "<p>Zum Beispiel eine gemeinsame Servicegesellschaft und je Kommune eine "
                "eigene Projektgesellschaft; Rechtsformen und Haftung prüfen lassen.</p>",
                "Arbeitsgruppe, Gutachter",
                "6–9 Monate",
            ),
            _step(
                "Haushaltsfolgen klären",
                "<p>Eigenkapital, Bürgschaften und Folgekosten in den Haushalten darstellen "
                "und mit der Kommunalaufsicht abstimmen.</p>",
                "Kämmereien",
            ),
            _step(
                "Beschlüsse in allen Räten",
                "<p>Jeder Rat beschließt Beitritt, Gesellschaftsvertrag und Finanzierung.</p>",
                "Räte",
                "3–6 Monate",
            ),
            _step(
                "Gründen und erste Projekte starten",
                "<p>Gesellschaften eintragen, Geschäftsführung bestellen, erste Grundstücke "
                "entwickeln.</p>",
                "Servicegesellschaft",
            ),
        ],
        "pitfalls": (
            "<p>Unterschiedliche Haushaltslagen der Kommunen bremsen. Wer die politischen "
            "Argumente nicht früh für alle Räte aufbereitet, riskiert, dass eine Kommune "
            "kurz vor der Gründung aussteigt.</p>"
        ),
        "themes": ["wohnen", "interkommunale-zusammenarbeit"],
        "cases": [
            (
                "istag-muensterland-wohnungsbaugesellschaft",
                "Sieben Kommunen im Münsterland, eine gemeinsame Servicegesellschaft.",
            ),
            (
                "kyritz-wusterhausen-interkommunales-gewerbegebiet",
                "Interkommunale Zusammenarbeit statt Konkurrenz.",
            ),
        ],
    },
    {
        "slug": "coworking-probebetrieb-in-der-kleinstadt",
        "title": "Coworking-Probebetrieb in der Kleinstadt",
        "kind": "methode",
        "summary": (
            "Vor der großen Investition einen Coworking-Space auf Zeit betreiben: Nachfrage "
            "testen, Nutzerinnen und Nutzer gewinnen, Betreiber finden."
        ),
        "intro": (
            "<p>Seit mehr Menschen von zu Hause arbeiten, suchen auch Kleinstädte nach "
            "Arbeitsorten für Pendlerinnen, Selbständige und Gründer. Ein Probebetrieb in einem "
            "leerstehenden Ladenlokal zeigt mit wenig Geld, ob ein dauerhafter Coworking-Space "
            "trägt.</p>"
        ),
        "prerequisites": (
            "<ul><li>Ein Raum mit schnellem Internet, gut erreichbar</li><li>Lokale Partner: "
            "Wirtschaftsförderung, Unternehmen, Bibliothek oder Verein</li></ul>"
        ),
        "duration": "3 bis 6 Monate Probebetrieb",
        "staff": "Eine Gastgeberin oder ein Gastgeber vor Ort, stundenweise",
        "costs": "Miete auf Zeit, Möbel, Internet, Öffentlichkeitsarbeit.",
        "steps": [
            _step(
                "Bedarf erfragen",
                "<p>Kurze Umfrage unter Pendelnden und Selbständigen; Gespräche mit "
                "Arbeitgebern über mobiles Arbeiten.</p>",
                "Wirtschaftsförderung",
                "4 Wochen",
            ),
            _step(
                "Raum auf Zeit finden",
                "<p>Ein leerstehendes Ladenlokal in der Innenstadt über eine Zwischennutzung "
                "anmieten und einfach ausstatten.</p>",
                "Stadt, Eigentümer",
            ),
            _step(
                "Gemeinschaft aufbauen",
                "<p>Regelmäßige Offene Tage, Frühstück und kleine Veranstaltungen machen aus "
                "Schreibtischen einen Treffpunkt.</p>",
                "Gastgeber/in",
            ),
            _step(
                "Auswerten und entscheiden",
                "<p>Auslastung, Zahlungsbereitschaft und mögliche Betreiber auswerten; dann "
                "über Verstetigung entscheiden.</p>",
                "Stadt, Partner",
            ),
        ],
        "pitfalls": (
            "<p>Ein Probebetrieb ohne Gastgeber bleibt leer. Zu billige Preise im Test "
            "verfälschen die Zahlungsbereitschaft.</p>"
        ),
        "themes": ["arbeiten-coworking", "einzelhandel-innenstadt"],
        "cases": [
            (
                "stalabo-stadtlabor-kleinstadt-coworking",
                "Fünf Kleinstädte erproben Coworking im Stadtlabor.",
            ),
            ("bad-lobenstein-probewohnen-coliving", "Probewohnen und Arbeiten auf Zeit."),
        ],
    },
    {
        "slug": "leerstand-zwischennutzen",
        "title": "Leerstand zwischennutzen",
        "kind": "leitfaden",
        "summary": (
            "Leerstehende Ladenlokale auf Zeit an Gründerinnen, Vereine und Initiativen "
            "vergeben – mit einfachen Verträgen und einer Kümmerin oder einem Kümmerer."
        ),
        "intro": (
            "<p>Eine Zwischennutzung belebt die Innenstadt, während Eigentümer und Stadt nach "
            "einer dauerhaften Lösung suchen. Sie ist ein Testfeld für neue Ideen – ein kleines "
            "Reallabor mitten im Ort.</p>"
        ),
        "prerequisites": (
            "<ul><li>Ein Überblick über leerstehende Flächen (Leerstandskataster)</li>"
            "<li>Eigentümerinnen und Eigentümer, die befristet vermieten</li></ul>"
        ),
        "duration": "Ab 3 Monaten je Nutzung",
        "staff": "Ein Leerstandsmanagement oder Citymanagement",
        "costs": (
            "Mietzuschüsse oder Ausfallbürgschaften, einfache Herrichtung; oft aus Mitteln der "
            "Städtebauförderung."
        ),
        "steps": [
            _step(
                "Leerstand erfassen",
                "<p>Flächen, Zustand, Eigentümer und Mietvorstellungen in einem Kataster "
                "zusammentragen.</p>",
                "Citymanagement",
            ),
            _step(
                "Eigentümer gewinnen",
                "<p>Persönlich ansprechen, Musterverträge für befristete Nutzungen anbieten, "
                "Nebenkosten klären.</p>",
                "Citymanagement, Bürgermeister",
            ),
            _step(
                "Nutzungen auswählen",
                "<p>Offener Aufruf mit einfachen Kriterien; eine kleine Jury wählt aus.</p>",
                "Jury",
            ),
            _step(
                "Begleiten und verstetigen",
                "<p>Regelmäßige Gespräche mit den Nutzenden; erfolgreiche Nutzungen bei der "
                "Suche nach einem dauerhaften Mietvertrag unterstützen.</p>",
                "Citymanagement",
            ),
        ],
        "pitfalls": (
            "<p>Brandschutz und Nutzungsänderungen früh mit der Bauaufsicht klären. "
            "Zwischennutzungen brauchen ein Ende, das alle kennen.</p>"
        ),
        "themes": ["einzelhandel-innenstadt"],
        "cases": [
            (
                "bad-langensalza-leerstandsmanagement-zwischennutzung",
                "Ladenlokale auf Zeit in der Altstadt.",
            ),
            ("koenigslutter-machbar", "Ein leerstehendes Ladenlokal wird zur Anlaufstelle."),
            ("meschede-pop-up-gruendungswettbewerb", "Pop-up-Stores für Gründerinnen."),
        ],
    },
]

TERMS = [
    {
        "title": "Bürgerrat",
        "variants": "Bürgerräte, Bürgerrates",
        "definition": (
            "Ein Gremium zufällig ausgeloster Einwohnerinnen und Einwohner, das eine Frage "
            "berät und Empfehlungen an Rat und Verwaltung gibt."
        ),
    },
    {
        "title": "Losverfahren",
        "variants": "Losverfahrens, Losverfahren",
        "definition": (
            "Auswahl von Teilnehmenden per Zufall, meist aus dem Melderegister und geschichtet "
            "nach Merkmalen wie Alter, Geschlecht oder Ortsteil."
        ),
    },
    {
        "title": "Reallabor",
        "variants": "Reallabore, Reallabors, Stadtlabor, Stadtlabore",
        "definition": (
            "Ein zeitlich begrenzter Versuchsraum im echten Stadtleben, in dem neue Lösungen "
            "gemeinsam mit den Menschen vor Ort erprobt und ausgewertet werden."
        ),
    },
    {
        "title": "ExWoSt",
        "long_form": "Experimenteller Wohnungs- und Städtebau",
        "definition": (
            "Forschungsprogramm des Bundes, betreut vom BBSR, das innovative Planungen und "
            "Maßnahmen im Städtebau und Wohnungswesen in Modellvorhaben erprobt."
        ),
    },
    {
        "title": "Städtebauförderung",
        "variants": "Städtebaufördermittel, Städtebauförderungsmittel",
        "definition": (
            "Gemeinsame Förderung von Bund, Ländern und Gemeinden für die Erneuerung und "
            "Entwicklung von Städten und Ortsteilen."
        ),
    },
    {
        "title": "Kleinstadtakademie",
        "variants": "Kleinstadtakademien",
        "definition": (
            "Initiative des Bundes zur Vernetzung und Weiterbildung von Kleinstädten; in der "
            "Pilotphase mit Stadtlaboren etwa zu digitalen Arbeitswelten."
        ),
    },
    {
        "title": "Zwischennutzung",
        "variants": "Zwischennutzungen",
        "definition": (
            "Befristete Nutzung leerstehender Gebäude oder Flächen, bis eine dauerhafte Nutzung "
            "gefunden ist."
        ),
    },
    {
        "title": "interkommunal",
        "variants": "interkommunale, interkommunalen, interkommunaler, interkommunales",
        "definition": (
            "Über Gemeindegrenzen hinweg: mehrere Kommunen erfüllen eine Aufgabe gemeinsam, "
            "etwa in einem Zweckverband oder einer gemeinsamen Gesellschaft."
        ),
    },
    {
        "title": "BBSR",
        "long_form": "Bundesinstitut für Bau-, Stadt- und Raumforschung",
        "definition": (
            "Ressortforschungseinrichtung des Bundes im Bundesamt für Bauwesen und "
            "Raumordnung; betreut unter anderem das Forschungsprogramm ExWoSt."
        ),
    },
    {
        "title": "Coworking-Space",
        "variants": "Coworking-Spaces, Coworking Space",
        "definition": (
            "Ein gemeinsam genutzter Arbeitsort, an dem Menschen verschiedener Arbeitgeber und "
            "Selbständige Schreibtische und Räume auf Zeit mieten."
        ),
    },
    {
        "title": "Leerstandsmanagement",
        "definition": (
            "Erfassen leerstehender Gebäude und aktive Vermittlung zwischen Eigentümern und "
            "möglichen Nutzerinnen und Nutzern."
        ),
    },
    {
        "title": "Integriertes Stadtentwicklungskonzept",
        "long_form": "ISEK",
        "variants": "ISEK",
        "definition": (
            "Ein Konzept, das Ziele und Maßnahmen der Stadtentwicklung über Fachgrenzen hinweg "
            "bündelt; oft Voraussetzung für die Städtebauförderung."
        ),
    },
    {
        "title": "Dritter Ort",
        "variants": "Dritte Orte, Dritten Ort",
        "definition": (
            "Ein öffentlicher Treffpunkt neben Zuhause und Arbeitsplatz, etwa eine Bibliothek "
            "oder ein Café, an dem Menschen zwanglos zusammenkommen."
        ),
    },
    {
        "title": "Verstetigung",
        "definition": (
            "Überführung eines befristeten, meist geförderten Projekts in einen dauerhaften "
            "Betrieb mit eigener Finanzierung."
        ),
    },
]


def _publish_new(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def ensure_knowledge_pages(home):
    """The knowledge base and its glossary (empty), where they are missing. Returns both."""
    index = KnowledgeIndexPage.objects.child_of(home).first()
    if index is None:
        index = _publish_new(
            home,
            KnowledgeIndexPage(title="Leitfäden und Methoden", slug="wissen", intro=INDEX_INTRO),
        )
    glossary = GlossaryPage.objects.child_of(index).first()
    if glossary is None:
        glossary = _publish_new(
            index, GlossaryPage(title="Glossar", slug="glossar", intro=GLOSSARY_INTRO)
        )
    return index, glossary


def ensure_knowledge(home):
    """Create the knowledge base, its guides and the glossary where they are missing."""
    index, glossary = ensure_knowledge_pages(home)
    existing = set(GlossaryTermPage.objects.child_of(glossary).values_list("title", flat=True))
    for data in TERMS:
        if data["title"] in existing:
            continue
        _publish_new(
            glossary,
            GlossaryTermPage(
                title=data["title"],
                long_form=data.get("long_form", ""),
                definition=data["definition"],
                variants=data.get("variants", ""),
            ),
        )

    themes = {theme.slug: theme for theme in Theme.objects.all()}
    cases = {case.slug: case for case in CasePage.objects.all()}
    created = 0
    for data in GUIDES:
        if GuidePage.objects.child_of(index).filter(slug=data["slug"]).exists():
            continue
        guide = GuidePage(
            slug=data["slug"],
            title=data["title"],
            kind=data["kind"],
            summary=data["summary"],
            intro=data["intro"],
            prerequisites=data["prerequisites"],
            duration=data["duration"],
            staff=data["staff"],
            costs=data["costs"],
            steps=data["steps"],
            pitfalls=data["pitfalls"],
        )
        guide.themes = [themes[slug] for slug in data["themes"] if slug in themes]
        guide.guide_cases = [
            GuideCase(case=cases[slug], note=note) for slug, note in data["cases"] if slug in cases
        ]
        _publish_new(index, guide)
        created += 1
    return created
