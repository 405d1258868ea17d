"""Plausible generated case records (import format) for tests and load benchmarks.

Deterministic for a given seed. The records are fictional; towns are invented
("Neuenbach", "Altdorf an der Ems", ...) so they cannot be mistaken for real projects.
"""

import random

from core.geo import State

THEMES = [
    "Wohnen",
    "Einzelhandel & Innenstadt",
    "Arbeiten & Coworking",
    "Beteiligung & Demokratie",
    "Klimaschutz & Energie",
    "Mobilität",
    "Daseinsvorsorge",
    "Digitalisierung",
    "Kultur & Gemeinschaft",
    "Interkommunale Zusammenarbeit",
]

TOPICS = [
    (
        "Leerstandsmanagement in der Altstadt",
        "Einzelhandel & Innenstadt",
        ["Leerstand", "Zwischennutzung", "Ladenlokal"],
    ),
    (
        "Genossenschaftlicher Dorfladen",
        "Daseinsvorsorge",
        ["Nahversorgung", "Genossenschaft", "Dorfladen"],
    ),
    ("Bürgerbus für die Ortsteile", "Mobilität", ["Bürgerbus", "Ehrenamt", "ÖPNV"]),
    (
        "Nahwärmenetz mit Bürgerbeteiligung",
        "Klimaschutz & Energie",
        ["Wärmenetz", "Energiegenossenschaft", "Wärmeplanung"],
    ),
    (
        "Coworking im ehemaligen Bahnhof",
        "Arbeiten & Coworking",
        ["Coworking", "Homeoffice", "Pendler"],
    ),
    (
        "Jugendrat mit eigenem Budget",
        "Beteiligung & Demokratie",
        ["Jugendbeteiligung", "Jugendrat", "Budget"],
    ),
    ("Digitale Dorfplattform", "Digitalisierung", ["App", "Plattform", "Ehrenamt"]),
    (
        "Kulturscheune als Dritter Ort",
        "Kultur & Gemeinschaft",
        ["Dritter Ort", "Kultur", "Treffpunkt"],
    ),
    ("Mehrgenerationenwohnen im Altbau", "Wohnen", ["Wohnprojekt", "Altbau", "Generationen"]),
    (
        "Gemeinsames Gewerbegebiet",
        "Interkommunale Zusammenarbeit",
        ["Gewerbegebiet", "Zweckverband", "Flächensparen"],
    ),
    (
        "Gemeindeschwester für ältere Menschen",
        "Daseinsvorsorge",
        ["Pflege", "Gesundheit", "Prävention"],
    ),
    (
        "Schwammstadt am Marktplatz",
        "Klimaschutz & Energie",
        ["Klimaanpassung", "Starkregen", "Entsiegelung"],
    ),
    ("Probewohnen für Rückkehrer", "Wohnen", ["Probewohnen", "Zuzug", "Fachkräfte"]),
    (
        "Pop-up-Stores mit Gründerwettbewerb",
        "Einzelhandel & Innenstadt",
        ["Pop-up", "Gründung", "Innenstadt"],
    ),
]

PREFIXES = ["Neu", "Alt", "Ober", "Nieder", "Groß", "Klein", "Bad ", "Hohen", "Wald", "Stein"]
STEMS = [
    "bach",
    "dorf",
    "feld",
    "hausen",
    "burg",
    "stedt",
    "hagen",
    "berg",
    "au",
    "rode",
    "heim",
    "brück",
    "furt",
    "wald",
    "see",
]
# No bracket: a bracket that names no municipality becomes a note of the case (matching),
# and the bare name could then be a real town of the directory.
RIVERS = ["", "", "", " an der Ems", " am Main", " an der Elbe", " im Harz", " in der Altmark"]

OPENINGS = [
    "In {town} standen {n} Ladenlokale leer, und die Frequenz in der Innenstadt sank.",
    "{town} verliert seit Jahren junge Menschen an die nahe Großstadt.",
    "Viele Ortsteile von {town} sind ohne eigenes Auto kaum erreichbar.",
    "Die Verwaltung von {town} suchte nach Wegen, mehr Menschen an Entscheidungen zu beteiligen.",
    "Steigende Energiepreise trafen die Haushalte in {town} besonders hart.",
]
GOALS = [
    "Ziel war es, {topic} innerhalb von {years} Jahren aufzubauen und dauerhaft zu tragen.",
    "Die Stadt wollte mit {topic} ein Angebot schaffen, das von den Menschen selbst getragen wird.",
]
STEPS = [
    "Eine Steuerungsgruppe aus Verwaltung, Vereinen und Wirtschaft traf sich monatlich.",
    "Der Stadtrat beschloss ein Budget und eine halbe Stelle für die Koordination.",
    "In Werkstätten vor Ort wurden Ideen gesammelt und nach Aufwand bewertet.",
    "Ein Förderantrag sicherte die Anschubfinanzierung für zwei Jahre.",
]
RESULTS = [
    "Nach {years} Jahren nutzen rund {n} Menschen das Angebot regelmäßig.",
    "Das Projekt wurde verstetigt und wird inzwischen von einem Verein getragen.",
    "Die Erfahrungen flossen in das integrierte Stadtentwicklungskonzept ein.",
]
FUNDING = [
    "Städtebauförderung – Lebendige Zentren",
    "LEADER",
    "Zukunftsfähige Innenstädte und Zentren",
    "Kommunalrichtlinie (Nationale Klimaschutzinitiative)",
    "ExWoSt – Experimenteller Wohnungs- und Städtebau",
    "Landesprogramm Dorfentwicklung",
]
STATUSES = ["geplant", "laufend", "laufend", "verstetigt", "beendet"]
BUDGETS = ["lt10k", "10k-50k", "50k-250k", "250k-1m", "gt1m"]


def _town(rng):
    prefix, stem, river = rng.choice(PREFIXES), rng.choice(STEMS), rng.choice(RIVERS)
    if prefix.endswith(" "):
        stem = stem.capitalize()  # "Bad Berg", not "Bad berg"
    name = prefix + stem + river
    population = int(
        rng.choice(
            [
                rng.uniform(1500, 5000),
                rng.uniform(5000, 10000),
                rng.uniform(10000, 20000),
                rng.uniform(20000, 60000),
            ]
        )
    )
    return {
        "name": name,
        "state": rng.choice(State.labels),
        "population": round(population, -2),
        "role": "lead",
        "lat": round(rng.uniform(47.5, 54.8), 4),
        "lon": round(rng.uniform(6.1, 14.9), 4),
    }


def generate_records(count, seed=0):
    rng = random.Random(seed)  # noqa: S311 (test data, not cryptography)
    records = []
    for number in range(1, count + 1):
        topic, theme, tags = rng.choice(TOPICS)
        towns = [_town(rng)]
        if rng.random() < 0.2:
            towns.append(_town(rng) | {"role": "partner"})
        if len({(t["name"], t["state"]) for t in towns}) < len(towns):
            towns = towns[:1]
        town = towns[0]["name"]
        start = rng.randint(2012, 2025)
        years = rng.randint(1, 5)
        status = rng.choice(STATUSES)
        period = (
            f"seit {start}" if status in ("laufend", "verstetigt") else (f"{start}-{start + years}")
        )
        themes = [theme] + rng.sample([t for t in THEMES if t != theme], rng.randint(0, 2))
        fill = {"town": town, "topic": topic, "n": rng.randint(5, 400), "years": years}
        records.append(
            {
                "title": f"{topic} in {town}",
                "slug": f"fall-{seed}-{number:05d}",
                "summary": f"{town} zeigt, wie {topic.lower()} in einer kleinen Stadt gelingt.",
                "starting_point": rng.choice(OPENINGS).format(**fill),
                "goals": rng.choice(GOALS).format(**fill),
                "implementation": "\n\n".join(rng.sample(STEPS, 2)),
                "results": rng.choice(RESULTS).format(**fill),
                "towns": towns,
                "scope": "interkommunal" if len(towns) > 1 else "lokal",
                "themes": themes,
                "tags": rng.sample(tags, 2) + [f"Stichwort {rng.randint(1, 40)}"],
                "period": period,
                "status": status,
                "funding": rng.sample(FUNDING, rng.randint(0, 2)),
                "partners": [f"Stadt {town}"],
                "lessons": "Früh die Menschen vor Ort einbinden und klein anfangen.",
                "transfer": {
                    "staff": f"{rng.choice(['0,25', '0,5', '1'])} Stelle(n) in der Verwaltung",
                    "budget_range": rng.choice(BUDGETS),
                    "duration": f"{years * 12} Monate",
                    "pitfalls": "Ehrenamt nicht überfordern.",
                },
                "contacts": [
                    {
                        "function": "Stadtentwicklung",
                        "organisation": f"Stadt {town}",
                        "email": "stadtentwicklung@example.org",
                    }
                ],
                "last_checked": f"{rng.randint(2024, 2026)}-{rng.randint(1, 12):02d}-15",
            }
        )
    return records
