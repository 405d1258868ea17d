"""Site benchmark (``make bench``): throughput and latency of the public page types served by
gunicorn on loopback, without and with the page cache, measured with wrk. Not a test: it
reports and names missed targets, it does not fail on them.
"""

import random
import time
from urllib.parse import urlencode

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext as _

from casestudies.models import CasePage, Theme
from core.cache import invalidate
from devtools.loadgen import (
    Server,
    clear_caches,
    collect_static,
    ensure_wrk,
    machine_description,
    run_wrk,
)

from .bench_search import Command as SearchBench

TARGETS = {
    "case_uncached_rps": 150,
    "case_queries": 15,
    "cached_rps": 1000,
    "search_p95_ms": 100,
}
# Distinct paths per page type measured with the page cache (all cached before measuring).
CACHED_PATHS = 20
# Distinct case pages without the page cache: more than a run requests, so (almost) every
# request is the first for its case and nothing per case is warm (the related cases of a
# case are kept once computed). What is the same on every page is kept per content
# generation (core.memo) and warm after the first request, as in a running server.
CASE_PATHS = 2000
# The last case pages of the list warm the workers up (a 10 s run at 150/s over four
# connections reaches about 1,500 of the others).
WARM_CASE_PATHS = 200
SEARCH_QUERIES = [
    "Leerstand",
    "Dorfladen",
    "Bürgerbus",
    "Leerstandsmanagement",
    "Energiegenossenschaft",
    "Dorfläden",
    "Leerstnad",
    "Wie gründet man einen Dorfladen?",
    "coworking space",
    "Jugendbeteiligung Schule",
]


def page_paths(sample=200, seed=0, case_sample=CASE_PATHS):
    """The URL paths of each page type, several per type (wrk cycles through them)."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible sample, not a secret)
    cases = list(CasePage.objects.live().public().values_list("pk", "url_path", "slug"))
    chosen = rng.sample(cases, min(max(sample, case_sample), len(cases)))
    root = CasePage.objects.live().first().get_site().root_page.url_path
    case_urls = ["/" + url_path[len(root) :] for _pk, url_path, _slug in chosen[:case_sample]]
    chosen = chosen[:sample]
    themes = list(Theme.objects.values_list("slug", flat=True))
    states = ["BY", "NW", "NI", "ST", "SN", "BW", "HE", "TH"]
    library = ["/faelle/"] + [
        f"/faelle/?thema={rng.choice(themes)}&land={rng.choice(states)}"
        f"&status={rng.choice(['laufend', 'verstetigt', 'beendet'])}&seite={rng.randint(1, 3)}"
        for _ in range(40)
    ]
    search = [
        "/suche/?" + urlencode({"q": query, **({"land": rng.choice(states)} if index % 2 else {})})
        for index, query in enumerate(SEARCH_QUERIES)
    ]
    embed = [f"/einbetten/fall/{slug}/karte/" for _pk, _url, slug in chosen[:100]] + [
        f"/einbetten/fall/{slug}/" for _pk, _url, slug in chosen[100:]
    ]
    api = [f"/api/v2/faelle/?limit=20&offset={20 * n}" for n in range(20)] + [
        f"/api/v2/faelle/{pk}/" for pk, _url, _slug in chosen[:80]
    ]
    return {
        "Startseite": ["/"],
        "Fallbibliothek mit Filtern": library,
        "Fallseite": case_urls,
        "Suche": search,
        "Einbettung": embed,
        "API": api,
    }


class Command(BaseCommand):
    help = _(
        "Misst Durchsatz und Antwortzeiten (Median, p95) der öffentlichen Seiten mit gunicorn "
        "und wrk, ohne und mit Seitencache; füllt die Datenbank vorher auf --cases Fälle auf."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=10_000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--seconds", type=int, default=10, help=_("Dauer je Messung"))
        parser.add_argument("--connections", type=int, default=4)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, cases, workers, seconds, connections, no_progress, **options):
        ensure_wrk()
        SearchBench(stdout=self.stdout, stderr=self.stderr).ensure_cases(
            cases, seed=0, progress_bar=not no_progress
        )
        collect_static()
        paths = page_paths()
        queries = self.count_queries(paths)

        rows = []
        for state, page_cache in ((_("ungecacht"), False), (_("gecacht"), True)):
            # Cold: nothing cached from an earlier run (pages, related cases, site root paths).
            clear_caches()
            env = {"PAGE_CACHE": "true" if page_cache else "false"}
            with Server(workers=workers, env=env) as server:
                self.stdout.write(
                    _("gunicorn (%(w)d Worker, Seitencache %(c)s) auf %(url)s: aufwärmen …")
                    % {"w": workers, "c": "an" if page_cache else "aus", "url": server.base_url}
                )
                # Every worker is warmed up (search snapshot, memos, templates) by 3 s of load
                # per page type: without the page cache on case pages the run does not
                # reach; with it, after the measured paths have all been cached (the search,
                # never cached, needs warm workers in both passes).
                measured = {
                    kind: kind_paths[:CACHED_PATHS] if page_cache else kind_paths
                    for kind, kind_paths in paths.items()
                }
                for kind, kind_paths in measured.items():
                    if page_cache:
                        for path in kind_paths:
                            server.fetch(path)
                        warm = kind_paths
                    else:
                        warm = kind_paths[-WARM_CASE_PATHS:] if kind == "Fallseite" else kind_paths
                    run_wrk(server.base_url, warm, 3, connections)
                for kind, kind_paths in measured.items():
                    result = run_wrk(server.base_url, kind_paths, seconds, connections)
                    rows.append((kind, state, result, queries[kind]))
                    self.stdout.write(
                        f"  {kind:<28} {state:<10} {result['rps']:8.0f} req/s "
                        f"p50 {result['p50_us'] / 1000:6.1f} ms "
                        f"p95 {result['p95_us'] / 1000:6.1f} ms"
                    )
        self.write_table(rows, workers, connections, seconds)

    def count_queries(self, paths):
        """SQL queries of one request per page type (page cache off, Django's cache cleared,
        warm process with its memos of the current content generation), measured in this
        process; and of the first case page after a content change (the memos are built)."""
        client = Client()
        counts = {}
        with self.settings_page_cache_off():
            for kind, kind_paths in paths.items():
                client.get(kind_paths[-1])
                clear_caches()
                with CaptureQueriesContext(connection) as captured:
                    client.get(kind_paths[-1])
                counts[kind] = len(captured)
            invalidate("bench")
            with CaptureQueriesContext(connection) as captured:
                client.get(paths["Fallseite"][-2])
            self.case_queries_after_change = len(captured)
        return counts

    @staticmethod
    def settings_page_cache_off():
        return override_settings(PAGE_CACHE_ENABLED=False, ALLOWED_HOSTS=["*"])

    def write_table(self, rows, workers, connections, seconds):
        cases = CasePage.objects.live().count()
        self.stdout.write("")
        self.stdout.write(
            _(
                "Praxisatlas-Benchmark: %(cases)d Fälle, %(db)s, gunicorn %(w)d Worker (sync), "
                "wrk %(c)d Verbindungen, %(s)d s je Zeile, %(when)s"
            )
            % {
                "cases": cases,
                "db": connection.vendor,
                "w": workers,
                "c": connections,
                "s": seconds,
                "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            }
        )
        for line in machine_description():
            self.stdout.write(line)
        header = (
            f"| {_('Seite'):<28} | {_('Cache'):<10} | {'req/s':>7} | {'Median ms':>9} "
            f"| {'p95 ms':>7} | {_('Fehler'):>6} | {'SQL':>3} |"
        )
        self.stdout.write(header)
        self.stdout.write(
            "|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|"
        )
        for kind, state, result, queries in rows:
            self.stdout.write(
                f"| {kind:<28} | {state:<10} | {result['rps']:7.0f} | "
                f"{result['p50_us'] / 1000:9.1f} | {result['p95_us'] / 1000:7.1f} | "
                f"{result['errors']:6d} | {queries if state == _('ungecacht') else '–':>3} |"
            )
        self.stdout.write(
            _(
                "SQL: Abfragen je Anfrage ohne Seitencache (Django-Cache geleert, Memos der "
                "aktuellen Inhaltsgeneration warm); erste Fallseite nach einer Änderung: %d."
            )
            % self.case_queries_after_change
        )
        self.stdout.write(
            _(
                "Fallseite ungecacht: %d verschiedene Fälle, fast jede Anfrage die erste "
                "ihres Falls."
            )
            % CASE_PATHS
        )
        self.stdout.write(_("Die Suche protokolliert jede Anfrage und wird nie gecacht."))
        self.write_targets(rows)

    def write_targets(self, rows):
        def find(kind, state):
            return next(r for r in rows if r[0] == kind and r[1] == state)

        uncached, cached = _("ungecacht"), _("gecacht")
        case = find("Fallseite", uncached)
        checks = [
            (
                _("Fallseite ungecacht ≥ %d req/s") % TARGETS["case_uncached_rps"],
                case[2]["rps"] >= TARGETS["case_uncached_rps"],
                f"{case[2]['rps']:.0f}",
            ),
            (
                _("Fallseite ≤ %d SQL-Abfragen") % TARGETS["case_queries"],
                case[3] <= TARGETS["case_queries"],
                str(case[3]),
            ),
        ]
        slowest = min(
            (r for r in rows if r[1] == cached and r[0] != "Suche"), key=lambda r: r[2]["rps"]
        )
        checks.append(
            (
                _("jede gecachte öffentliche Seite ≥ %d req/s") % TARGETS["cached_rps"],
                slowest[2]["rps"] >= TARGETS["cached_rps"],
                f"{slowest[0]}: {slowest[2]['rps']:.0f}",
            )
        )
        search = max((r for r in rows if r[0] == "Suche"), key=lambda r: r[2]["p95_us"])
        checks.append(
            (
                _("Suche p95 < %d ms") % TARGETS["search_p95_ms"],
                search[2]["p95_us"] / 1000 < TARGETS["search_p95_ms"],
                f"{search[2]['p95_us'] / 1000:.1f} ms",
            )
        )
        for label, ok, value in checks:
            mark = _("erreicht") if ok else _("VERFEHLT")
            self.stdout.write(f"  {mark:<9} {label}: {value}")
