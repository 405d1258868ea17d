"""Demo partners: two sections with a case each, and (in development only) one login per
role. The partner organisations and their sections are examples; the cases' facts come from
the projects' published information (IstaG Münsterland, Kleinstadtexperten Königslutter)."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from casestudies.importer import CaseImporter

from .setup import (
    ADMINISTRATORS,
    EDITORS,
    MODERATORS,
    ensure_partner,
    partner_group_name,
)

PARTNERS = [
    {
        "name": "Netzwerk Wohnen Münsterland",
        "slug": "netzwerk-wohnen-muensterland",
        "intro": (
            "<p>Beispielbereich: Kommunen der Stadtregion Münster berichten hier selbst, wie sie "
            "bezahlbaren Wohnraum gemeinsam schaffen. Die Redaktion des Praxisatlas prüft jeden "
            "Fall vor der Veröffentlichung.</p>"
        ),
        "cases": [
            {
                "title": "Sieben Räte, ein Modell: der Gründungsweg der IstaG-Kommunen",
                "slug": "istag-gruendungsweg-raete",
                "summary": (
                    "Wie die sieben Kommunen der IstaG-Arbeitsgruppe das Konzept einer "
                    "interkommunalen Wohnungsbaugesellschaft durch ihre Ratsgremien bringen: "
                    "eigenständige lokale Gesellschaften, eine gemeinsame Servicegesellschaft."
                ),
                "starting_point": (
                    "Seit 2022 arbeiten Sendenhorst, Altenberge, Drensteinfurt, Everswinkel, "
                    "Havixbeck, Telgte und Warendorf in der IstaG-Arbeitsgruppe an einem "
                    "gemeinsamen Weg zu preisgünstigem Wohnraum. Das Konzept liegt vor; "
                    "entscheiden muss jede Kommune für sich."
                ),
                "implementation": (
                    "Die Ratsgremien der beteiligten Städte und Gemeinden beraten das Konzept "
                    "parallel. Jede Kommune behält maximale Eigenständigkeit, die gemeinsame "
                    "Servicegesellschaft bündelt die Aufgaben, die eine einzelne Kleinstadt "
                    "kaum allein stemmen kann.\n\nAus den Beratungen soll schnellstmöglich der "
                    "Gründungsprozess folgen."
                ),
                "towns": [
                    {"name": "Telgte", "state": "NW", "role": "lead"},
                    {"name": "Havixbeck", "state": "NW", "role": "partner"},
                    {"name": "Everswinkel", "state": "NW", "role": "partner"},
                    {"name": "Drensteinfurt", "state": "NW", "role": "partner"},
                ],
                "scope": "interkommunal",
                "themes": ["Wohnen", "Interkommunale Zusammenarbeit"],
                "period": "seit 2022",
                "status": "laufend",
                "transfer": {
                    "decisions": "Beschlüsse der Räte jeder beteiligten Kommune.",
                    "pitfalls": (
                        "Parallele Ratsberatungen brauchen einen gemeinsamen Zeitplan, sonst "
                        "wartet das ganze Vorhaben auf die langsamste Kommune."
                    ),
                },
                "contacts": [
                    {
                        "function": "Geschäftsstelle des Netzwerks (Beispiel)",
                        "email": "wohnen-muensterland@example.org",
                    }
                ],
                "last_checked": "2024-09-04",
            }
        ],
    },
    {
        "name": "Kleinstadtexperten Königslutter am Elm",
        "slug": "kleinstadtexperten",
        "intro": (
            "<p>Beispielbereich: Die Kleinstadtexperten begleiten in Königslutter am Elm "
            "Projekte in der Innenstadt und stellen ihre Formate hier selbst vor.</p>"
        ),
        "cases": [
            {
                "title": "StadtWerkStatt vor Ort: Ideen für leere Läden und Grundstücke",
                "slug": "koenigslutter-stadtwerkstatt-vor-ort",
                "summary": (
                    "Die StadtWerkStatt prüft mit Eigentümerinnen, Eigentümern und Interessierten "
                    "vor Ort, ob und wie eine Idee von außen in Königslutter am Elm passt: für "
                    "ein ungenutztes Grundstück oder ein leeres Ladenlokal."
                ),
                "starting_point": (
                    "Referenzen und neue Ideen, die von außen in kleine Städte kommen, lassen "
                    "sich nicht einfach übernehmen. Ob sie geeignet sind und für wen sie "
                    "interessant sind, zeigt sich erst im Gespräch vor Ort."
                ),
                "implementation": (
                    "Eingeladen ist jede und jeder, die oder der sich für die Entwicklung der "
                    "Stadt interessiert oder eigene Maßnahmen plant, etwa als Eigentümer eines "
                    "Gebäudes oder eines leerstehenden Ladens. Termine werden einzeln "
                    "vereinbart; ergänzend stellte ein digitaler Mittagstisch in 60 Minuten "
                    "zwei Projekte in Kurzvorträgen vor."
                ),
                "towns": [{"name": "Königslutter am Elm", "state": "NI", "role": "lead"}],
                "scope": "lokal",
                "themes": ["Einzelhandel & Innenstadt"],
                "period": "seit 2021",
                "status": "laufend",
                "partners": ["MachBar e. V."],
                "contacts": [
                    {
                        "function": "Kleinstadtexperten (Beispiel)",
                        "email": "kleinstadtexperten@example.org",
                    }
                ],
                "last_checked": "2023-03-15",
            }
        ],
    },
]

DEMO_USERS = [
    ("redaktion", EDITORS),
    ("moderation", MODERATORS),
    ("verwaltung", ADMINISTRATORS),
    ("partner-muensterland", partner_group_name(PARTNERS[0]["name"])),
    ("partner-koenigslutter", partner_group_name(PARTNERS[1]["name"])),
]


def ensure_demo_partners():
    """Sections, collections, groups and cases of the two demo partners. Returns the number
    of cases created."""
    created = 0
    for partner in PARTNERS:
        section, _collection, _group = ensure_partner(
            partner["name"], slug=partner["slug"], intro=partner["intro"]
        )
        result = CaseImporter(library=section).run(partner["cases"])
        created += len(result.created)
    return created


def ensure_demo_users():
    """One login per role for trying things out; development only. Passwords are generated
    once and kept in VAR_DIR/demo-passwords.txt. Returns [(username, group, password)]."""
    if not settings.DEBUG:
        raise RuntimeError("Demo users exist only in development (DEBUG=True).")
    password_file = settings.VAR_DIR / "demo-passwords.txt"
    stored = {}
    if password_file.exists():
        for line in password_file.read_text().splitlines():
            username, _sep, password = line.partition(" ")
            stored[username] = password
    user_model = get_user_model()
    logins = []
    for username, group_name in DEMO_USERS:
        password = stored.get(username) or secrets.token_urlsafe(12)
        stored[username] = password
        user, _created = user_model.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        user.is_active = True
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=group_name)])
        logins.append((username, group_name, password))
    password_file.write_text("".join(f"{u} {p}\n" for u, p in stored.items()))
    password_file.chmod(0o600)
    return logins
