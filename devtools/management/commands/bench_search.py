"""Search latency benchmark (``make bench-search``, ``make bench-search-postgres``).

Fills the database up to ``--cases`` cases with generated ones (``casestudies.bulk``), builds
the engine's snapshot, then times a mix of realistic requests through ``search.engine.search``
(facets are always computed) and a few JSON API requests end to end. Not a test: it reports,
it does not fail when the goal is missed.
"""

import cProfile
import io
import math
import os
import platform
import pstats
import random
import statistics
import sys
import time
from collections import defaultdict

import django
import wagtail
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.utils.translation import gettext as _

from casestudies.models import CaseLibraryPage, CasePage, FundingProgramme, Theme
from core.geo import SizeClass
from devtools.bulk import create_cases
from devtools.fake import generate_records
from search import engine
from search.engine import SearchRequest
from search.models import SearchEntry

GOAL_P95_MS = 100.0

# Kind of query -> queries as a visitor types them.
QUERIES = {
    "Einzelwort": ["Leerstand", "Dorfladen", "Bürgerbus", "Coworking", "Pflege", "Jugendrat"],
    "Kompositum": [
        "Leerstandsmanagement",
        "Nahwärmenetz",
        "Energiegenossenschaft",
        "Mehrgenerationenwohnen",
        "Jugendbeteiligung",
        "Bürgerbusverein",
    ],
    "Flexion": ["Dorfläden", "Genossenschaften", "Bürgerbusse", "Ladenlokalen", "Wohnprojekte"],
    "Tippfehler": ["Leerstnad", "Dorflden", "Bürgerbuss", "Coworkng", "Genosenschaft"],
    "Frage": [
        "Wie gründet man einen Dorfladen?",
        "Was hilft gegen Leerstand in der Innenstadt?",
        "Wie können Jugendliche in der Stadt mitentscheiden?",
        "Welche Förderung gibt es für ein Wärmenetz?",
    ],
    "Englisch": ["coworking space", "citizens assembly", "vacancy", "community energy"],
    "Mehrwort": [
        "Bürgerbus Ehrenamt Ortsteile",
        "Leerstand Zwischennutzung Altstadt",
        "Wärmenetz Genossenschaft Beteiligung",
        "Pop-up Gründung Innenstadt Wettbewerb",
    ],
}


def percentile(values, share):
    """Nearest-rank percentile (no interpolation: the value some request really took)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def rss_mb():
    """Resident and peak resident memory of this process in MB (Linux)."""
    result = {}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                key, _sep, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    result[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return result.get("VmRSS", float("nan")), result.get("VmHWM", float("nan"))


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def database_description():
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        version = connection.pg_version
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    return connection.vendor


class Command(BaseCommand):
    help = _(
        "Misst die Antwortzeiten der Suche (Median, p95, mit Facetten) auf der konfigurierten "
        "Datenbank; füllt sie vorher mit erzeugten Fällen auf --cases auf."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cases", type=int, default=10_000, help=_("Mindestzahl der Fälle (Standard 10000)")
        )
        parser.add_argument(
            "--seed", type=int, default=1, help=_("Startwert für erzeugte Fälle und Anfragen")
        )
        parser.add_argument(
            "--rounds", type=int, default=3, help=_("Durchläufe je Anfrage (Standard 3)")
        )
        parser.add_argument(
            "--queries",
            type=int,
            default=None,
            help=_("höchstens so viele verschiedene Anfragen (Standard: alle der Mischung)"),
        )
        parser.add_argument(
            "--profile",
            action="store_true",
            help=_("die gemessenen Durchläufe mit cProfile aufzeichnen und die teuersten zeigen"),
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=_("Keinen Fortschrittsbalken zeigen")
        )

    def handle(self, *args, cases, seed, rounds, queries, profile, no_progress, **options):
        self.write_environment()
        self.ensure_cases(cases, seed, progress_bar=not no_progress)

        rss_before, _peak = rss_mb()
        engine.reset_snapshot()
        started = time.perf_counter()
        snap = engine.snapshot()
        build_ms = (time.perf_counter() - started) * 1000
        rss_after, peak = rss_mb()
        self.stdout.write(
            _(
                "Snapshot: %(n)d Einträge in %(ms).0f ms; Speicher (RSS) %(before).0f MB -> "
                "%(after).0f MB (Spitze %(peak).0f MB)"
            )
            % {
                "n": len(snap.entries),
                "ms": build_ms,
                "before": rss_before,
                "after": rss_after,
                "peak": peak,
            }
        )

        mix = self.query_mix(snap, seed)
        if queries is not None:
            mix = self.limit(mix, queries)
        profiler = cProfile.Profile() if profile else None
        timings = self.run_mix(mix, max(1, rounds), profiler)
        goal_met = self.write_table(timings, len(mix))
        self.write_api_timings(snap, max(1, rounds))
        rss_end, peak = rss_mb()
        self.stdout.write(
            _("Speicher (RSS) am Ende: %(rss).0f MB (Spitze %(peak).0f MB)")
            % {"rss": rss_end, "peak": peak}
        )
        self.stdout.write(
            _("Ziel p95 < %(goal).0f ms: %(verdict)s")
            % {"goal": GOAL_P95_MS, "verdict": _("erreicht") if goal_met else _("verfehlt")}
        )
        if profiler is not None:
            self.write_profile(profiler)

    # --- setup ------------------------------------------------------------------------------

    def write_environment(self):
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
        self.stdout.write(
            _("Datenbank: %(db)s | CPU: %(cpu)s, %(cores)s Kerne | Python %(py)s, ")
            % {
                "db": database_description(),
                "cpu": cpu_model(),
                "cores": cores,
                "py": platform.python_version(),
            }
            + f"Django {django.get_version()}, Wagtail {wagtail.__version__}, "
            + f"DEBUG={settings.DEBUG}"
        )

    def ensure_cases(self, cases, seed, progress_bar):
        if not CaseLibraryPage.objects.exists():
            self.stdout.write(_("Keine Fallbibliothek: lade die Demo-Inhalte (load_demo) …"))
            call_command("load_demo", verbosity=0)
        existing = set(CasePage.objects.live().values_list("slug", flat=True))
        missing = cases - len(existing)
        if missing > 0:
            records = [r for r in generate_records(cases, seed=seed) if r["slug"] not in existing]
            records = records[:missing]
            self.stdout.write(
                _("Erzeuge %(n)d Fälle (seed %(seed)d) …") % {"n": len(records), "seed": seed}
            )
            started = time.perf_counter()
            result = create_cases(records, progress_bar=progress_bar)
            elapsed = time.perf_counter() - started
            steps = ", ".join(f"{step} {s:.1f} s" for step, s in result.timings.items())
            self.stdout.write(
                _("%(n)d Fälle in %(s).1f s angelegt (%(per).2f ms je Fall): %(steps)s")
                % {
                    "n": len(result.created),
                    "s": elapsed,
                    "per": elapsed * 1000 / max(1, len(result.created)),
                    "steps": steps,
                }
            )
        self.stdout.write(
            _("Fälle: %(cases)d live, Sucheinträge: %(entries)d")
            % {
                "cases": CasePage.objects.live().count(),
                "entries": SearchEntry.objects.count(),
            }
        )

    # --- the query mix ----------------------------------------------------------------------

    def query_mix(self, snap, seed):
        """(kind, SearchRequest) pairs: the fixed words plus facet values found in the data."""
        rng = random.Random(seed)  # noqa: S311 (choosing benchmark queries)
        themes = list(Theme.objects.order_by("sort_order", "name").values_list("slug", flat=True))
        funding = [str(pk) for pk in FundingProgramme.objects.values_list("pk", flat=True)]
        entries = sorted(snap.entries.values(), key=lambda entry: entry.id)
        states = sorted({state for entry in entries for state in entry.states})
        towns = sorted({town for entry in entries for town in entry.towns})
        sizes = list(SizeClass.values)

        mix = [(kind, SearchRequest(query=q)) for kind, words in QUERIES.items() for q in words]
        mix += [
            ("Ort", SearchRequest(query=town)) for town in rng.sample(towns, min(4, len(towns)))
        ]
        mix += [
            ("nur Facetten", SearchRequest(filters=filters))
            for filters in (
                {"thema": [rng.choice(themes)]},
                {"land": [rng.choice(states)]},
                {"thema": [rng.choice(themes)], "groesse": [rng.choice(sizes)]},
                {"status": ["laufend"], "zeitraum": ["ab-2023"]},
                {"foerderung": [rng.choice(funding)]} if funding else {"art": ["case"]},
            )
        ]
        mix += [
            ("Anfrage + 1 Facette", SearchRequest(query="Leerstand", filters={"land": [s]}))
            for s in rng.sample(states, min(2, len(states)))
        ]
        mix += [
            ("Anfrage + 1 Facette", SearchRequest(query="Bürgerbus", filters={"thema": [t]}))
            for t in rng.sample(themes, min(2, len(themes)))
        ]
        mix += [
            (
                "Anfrage + 2 Facetten",
                SearchRequest(
                    query=query,
                    filters={"thema": [rng.choice(themes)], "groesse": [rng.choice(sizes)]},
                ),
            )
            for query in ("Genossenschaft", "Innenstadt", "Wie finanziert man einen Dorfladen?")
        ]
        mix += [
            ("Sortierung", SearchRequest(query="Coworking", sort="neu")),
            ("Sortierung", SearchRequest(query="Leerstand", sort="groesse")),
            ("Sortierung", SearchRequest(sort="groesse")),
            ("Sortierung", SearchRequest(filters={"land": [rng.choice(states)]}, sort="neu")),
        ]
        mix += [
            ("Seite 2", SearchRequest(query=query, page=2))
            for query in ("Dorfladen", "Klimaschutz Energie", "Beteiligung")
        ]
        mix += [("Seite 2", SearchRequest(page=2, filters={"thema": [rng.choice(themes)]}))]
        return mix

    @staticmethod
    def limit(mix, count):
        """At most ``count`` requests, taken round-robin over the kinds."""
        by_kind = defaultdict(list)
        for kind, request in mix:
            by_kind[kind].append(request)
        limited = []
        while len(limited) < count and any(by_kind.values()):
            for kind, requests in by_kind.items():
                if requests and len(limited) < count:
                    limited.append((kind, requests.pop(0)))
        return limited

    # --- measuring --------------------------------------------------------------------------

    def run_mix(self, mix, rounds, profiler):
        """kind -> list of (round, milliseconds, hit count)."""
        timings = defaultdict(list)
        for number in range(1, rounds + 1):
            for kind, request in mix:
                if profiler is not None:
                    profiler.enable()
                started = time.perf_counter()
                response = engine.search(request)
                elapsed = (time.perf_counter() - started) * 1000
                if profiler is not None:
                    profiler.disable()
                timings[kind].append((number, elapsed, response.count))
        return timings

    def write_table(self, timings, distinct):
        header = f"{_('Art'):<22} {'n':>4} {_('Treffer'):>8} {'Median':>8} {'p95':>8} {'Max':>8}"
        self.stdout.write("")
        self.stdout.write(
            _("Suche über search.engine.search (ms, mit Facetten; %d verschiedene Anfragen):")
            % distinct
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        every = []
        for kind, rows in timings.items():
            ms = [elapsed for _number, elapsed, _count in rows]
            hits = statistics.median(count for _number, _elapsed, count in rows)
            every.extend(rows)
            self.stdout.write(self.row(kind, ms, hits))
        self.stdout.write("-" * len(header))
        all_ms = [elapsed for _number, elapsed, _count in every]
        self.stdout.write(self.row(_("gesamt"), all_ms, None))
        first = [elapsed for number, elapsed, _count in every if number == 1]
        later = [elapsed for number, elapsed, _count in every if number > 1]
        self.stdout.write(self.row(_("  davon 1. Runde"), first, None))
        if later:
            self.stdout.write(self.row(_("  davon Runde 2+"), later, None))
        self.stdout.write("")
        return percentile(all_ms, 0.95) < GOAL_P95_MS

    @staticmethod
    def row(label, ms, hits):
        hits_text = f"{hits:>8.0f}" if hits is not None else " " * 8
        return (
            f"{label:<22} {len(ms):>4} {hits_text} {statistics.median(ms):>8.1f} "
            f"{percentile(ms, 0.95):>8.1f} {max(ms):>8.1f}"
        )

    def write_api_timings(self, snap, rounds):
        """A few requests through the JSON API with Django's test client (URL routing,
        parameter parsing, search, statistics write, JSON serialisation)."""
        themes = list(Theme.objects.order_by("sort_order").values_list("slug", flat=True)[:1])
        urls = [
            "/api/search/?q=Dorfladen",
            "/api/search/?q=Wie+gr%C3%BCndet+man+einen+Dorfladen%3F",
            "/api/search/?q=Leerstand&land=NI&page_size=20",
        ]
        if themes:
            urls.append(f"/api/search/?thema={themes[0]}")
        hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith((".", "*", "["))]
        client = Client(HTTP_HOST=hosts[0] if hosts else "localhost")
        self.stdout.write(_("JSON-API über den Test-Client (ms, %d Durchläufe):") % rounds)
        self.stdout.write(f"{'URL':<58} {_('Status'):>6} {'1.':>7} {'Median':>7} {'Max':>7}")
        for url in urls:
            ms, status = [], None
            for _round in range(rounds):
                started = time.perf_counter()
                response = client.get(url)
                ms.append((time.perf_counter() - started) * 1000)
                status = response.status_code
            self.stdout.write(
                f"{url:<58} {status:>6} {ms[0]:>7.1f} {statistics.median(ms):>7.1f} {max(ms):>7.1f}"
            )
        self.stdout.write("")

    def write_profile(self, profiler):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
        self.stdout.write(out.getvalue())
        sys.stdout.flush()
