"""The legally required pages (Impressum, Datenschutzerklärung, Erklärung zur
Barrierefreiheit), created once under the home page and never overwritten afterwards: from
then on they belong to the editors.

The texts describe what this software actually does with visitors' data (no cookies for
visitors, no third-party requests, alerts, the suggestion form, server logs). The operator's
name and addresses are examples (``example.org``) that the editors replace before going live.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import GroupPagePermission

from .models import HomePage, LegalPage

OPERATOR = (
    "<p>Praxisatlas Kleinstadt – Redaktion<br>Beispielverein für Kleinstadtentwicklung e. V."
    "<br>Musterstraße 1<br>12345 Musterstadt</p>"
)
CONTACT_EMAIL = "redaktion@example.org"
ACCESSIBILITY_EMAIL = "barrierefreiheit@example.org"

IMPRINT = f"""
<h2>Angaben nach § 5 DDG</h2>
{OPERATOR}
<p>Vertreten durch den Vorstand: Erika Beispiel (Vorsitzende)</p>
<p>Vereinsregister: Amtsgericht Musterstadt, VR 0000</p>
<h2>Kontakt</h2>
<p>E-Mail: <a href="mailto:{CONTACT_EMAIL}">{CONTACT_EMAIL}</a><br>Telefon: 01234 567890</p>
<h2>Verantwortlich für den Inhalt nach § 18 Abs. 2 MStV</h2>
<p>Erika Beispiel, Anschrift wie oben</p>
<h2>Haftung für Inhalte und Links</h2>
<p>Die Praxisfälle beruhen auf Angaben der beteiligten Kommunen und auf veröffentlichten
Projektinformationen; die Quelle steht bei jedem Fall. Für Inhalte verlinkter Websites sind
deren Betreiber verantwortlich.</p>
<h2>Nachnutzung</h2>
<p>Die Fallbeschreibungen dürfen mit Quellenangabe nachgenutzt werden; Export, Schnittstelle und
Codebuch stehen allen offen.</p>
"""

PRIVACY = f"""
<h2>Verantwortliche Stelle</h2>
{OPERATOR}
<p>E-Mail: <a href="mailto:{CONTACT_EMAIL}">{CONTACT_EMAIL}</a></p>
<h2>Keine Cookies, keine Dienste Dritter</h2>
<p>Diese Website setzt für Besucherinnen und Besucher keine Cookies und speichert nichts in
Ihrem Browser. Schriften, Skripte und Bilder kommen ausschließlich von diesem Server; es gibt
keine Statistik- oder Werbedienste. Videos von Veranstaltungen werden erst geladen, wenn Sie
dies ausdrücklich anklicken; erst dann erhält der jeweilige Anbieter Ihre IP-Adresse.</p>
<h2>Server-Protokolle</h2>
<p>Beim Aufruf einer Seite verarbeitet der Server technisch notwendige Daten (IP-Adresse,
Zeitpunkt, aufgerufene Adresse, Browserkennung), um die Seite auszuliefern und Angriffe
abzuwehren (Art. 6 Abs. 1 lit. f DSGVO). Für die Begrenzung von Formularanfragen wird die
IP-Adresse höchstens eine Stunde lang gezählt.</p>
<h2>Suche</h2>
<p>Suchbegriffe werden ohne Bezug zu Ihrer Person gezählt, um die Suche zu verbessern.</p>
<h2>Benachrichtigungen per E-Mail</h2>
<p>Wenn Sie eine Benachrichtigung bestellen, speichern wir Ihre E-Mail-Adresse und den
gewählten Filter (Art. 6 Abs. 1 lit. a DSGVO). Nicht bestätigte Anmeldungen werden nach
sieben Tagen gelöscht; beim Abmelden (Link in jeder E-Mail) wird der Eintrag sofort
gelöscht.</p>
<h2>Fall vorschlagen</h2>
<p>Wenn Sie einen Fall vorschlagen, speichern wir Ihre Angaben zum Projekt sowie Ihren Namen
und Ihre E-Mail-Adresse, um mit Ihnen Rücksprache zu halten (Art. 6 Abs. 1 lit. a DSGVO). Die
Redaktion erhält eine E-Mail mit dem Vorschlag. Name und E-Mail-Adresse werden nicht
veröffentlicht und gelöscht, sobald der Vorschlag bearbeitet ist, spätestens nach einem
Jahr.</p>
<h2>Ihre Rechte</h2>
<p>Sie haben das Recht auf Auskunft, Berichtigung, Löschung, Einschränkung der Verarbeitung,
Datenübertragbarkeit und Widerspruch (Art. 15 bis 21 DSGVO) sowie das Recht, eine Einwilligung
jederzeit zu widerrufen. Sie können sich bei einer Datenschutz-Aufsichtsbehörde beschweren.</p>
"""

ACCESSIBILITY = f"""
<p>Der Betreiber ist bemüht, diese Website im Einklang mit der Barrierefreie-Informationstechnik-
Verordnung (BITV 2.0) barrierefrei zugänglich zu machen. Diese Erklärung gilt für die Website
Praxisatlas Kleinstadt.</p>
<h2>Stand der Vereinbarkeit</h2>
<p>Diese Website ist mit den Anforderungen der BITV 2.0 (WCAG 2.1, Stufe AA, nach EN 301 549)
weitgehend vereinbar. Jede Seitenart wird bei jeder Änderung automatisch mit axe-core gegen
WCAG 2.1 A und AA geprüft, auch bei 320 Pixel Breite, und die Bedienung allein mit der
Tastatur wird getestet.</p>
<h2>Nicht barrierefreie Inhalte</h2>
<ul>
<li>Dokumente (PDF) von Projektpartnern sind nicht immer barrierefrei.</li>
<li>Aufzeichnungen von Veranstaltungen haben nicht immer Untertitel.</li>
<li>Informationen in Leichter Sprache und Deutscher Gebärdensprache gibt es noch nicht.</li>
</ul>
<h2>Erstellung dieser Erklärung</h2>
<p>Die Erklärung beruht auf einer Selbstbewertung mit automatischen und manuellen Prüfungen.</p>
<h2>Feedback und Kontakt</h2>
<p>Sind Ihnen Mängel beim barrierefreien Zugang aufgefallen, oder brauchen Sie Inhalte in einer
anderen Form? Schreiben Sie uns: <a href="mailto:{ACCESSIBILITY_EMAIL}">{ACCESSIBILITY_EMAIL}</a>
oder rufen Sie an: 01234 567890. Wir antworten innerhalb von zwei Wochen.</p>
<h2>Schlichtungsverfahren</h2>
<p>Wenn Sie auf Ihre Rückmeldung keine zufriedenstellende Antwort erhalten, können Sie einen
Antrag auf ein Schlichtungsverfahren stellen, bei der Schlichtungsstelle nach § 16 BGG beim
Beauftragten der Bundesregierung für die Belange von Menschen mit Behinderungen
(<a href="https://www.schlichtungsstelle-bgg.de/">www.schlichtungsstelle-bgg.de</a>) oder der
für Ihr Land zuständigen Stelle. Das Verfahren ist kostenlos; Sie brauchen keinen
Rechtsbeistand.</p>
"""

PAGES = [
    {
        "kind": LegalPage.Kind.IMPRINT,
        "title": "Impressum",
        "slug": "impressum",
        "intro": "Wer diese Website betreibt und wie Sie uns erreichen.",
        "body": IMPRINT,
    },
    {
        "kind": LegalPage.Kind.PRIVACY,
        "title": "Datenschutzerklärung",
        "slug": "datenschutz",
        "intro": "Welche Daten diese Website verarbeitet, wozu und wie lange.",
        "body": PRIVACY,
    },
    {
        "kind": LegalPage.Kind.ACCESSIBILITY,
        "title": "Erklärung zur Barrierefreiheit",
        "slug": "barrierefreiheit",
        "intro": "Wie zugänglich diese Website ist und wie Sie uns Barrieren melden.",
        "body": ACCESSIBILITY,
    },
]

# Editors draft changes to these pages, moderators publish them (as in the library).
GROUP_PERMISSIONS = {
    "Redaktion": ["change_page"],
    "Moderation": ["change_page", "publish_page"],
}


@transaction.atomic
def ensure_legal_pages(home=None):
    """Create the legal pages that do not exist yet (by kind, anywhere below the home page)
    as published children of the home page. Returns the titles of the pages created."""
    home = home or HomePage.objects.order_by("path").first()
    if home is None:
        return []
    created = []
    existing = set(LegalPage.objects.descendant_of(home).values_list("kind", flat=True).distinct())
    for data in PAGES:
        if data["kind"] in existing:
            continue
        slug = data["slug"]
        if home.get_children().filter(slug=slug).exists():
            slug = f"{slug}-{data['kind']}"
        page = LegalPage(**{**data, "slug": slug})
        home.add_child(instance=page)
        page.save_revision().publish()
        created.append(page.title)
    _grant_editing(LegalPage.objects.descendant_of(home))
    return created


def _grant_editing(pages):
    for name, codenames in GROUP_PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        permissions = Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=codenames
        )
        for page in pages:
            for permission in permissions:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=page, permission=permission
                )
