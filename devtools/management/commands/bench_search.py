"""Search latency benchmark (``make bench-search``, ``make bench-search-postgres``).

Fills the database up to ``--cases`` cases with generated ones (``devtools.bulk``), builds
the engine's per-worker state (time, memory it adds: tracemalloc and RSS), then times a mix
of realistic requests through ``search.engine.search`` (facets are always computed; p95 per
kind of query) and a few JSON API requests end to end. Then, with a second process as a
second worker (``--worker``): the time from a publish to the change being found there, and
how long its searches take while 20 publishes happen (the longest one: a search waiting on a
rebuild would show here). Every figure is printed with the load average of the machine. Not
a test: it reports, it does not fail when the goal is missed.

The semantic search is part of every timed search (devtools/bench_vectors.py): the entries get
vectors first (a sample embedded by the model: indexing throughput; the rest borrowed), and the
query cache is emptied before each search, so each one embeds its query. ``--no-vectors``
measures the words alone.
"""

import cProfile
import gc
import io
import math
import os
import platform
import pstats
import random
import select
import sqlite3
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import defaultdict

import django
import wagtail
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client, override_settings
from django.utils.translation import gettext as _

from casestudies.models import CaseLibraryPage, CasePage, FundingProgramme, Theme
from core.geo import SizeClass
from devtools import bench_vectors
from devtools.bulk import create_cases
from devtools.fake import generate_records
from search import engine, state_files
from search.engine import SearchRequest
from search.models import SearchEntry
from search.semantic import fusion, store
from search.semantic.models import PassageVector

# p95 goals per query kind (issue 15): SQLite, PostgreSQL.
GOAL_P95_MS = {"sqlite": 100.0, "postgresql": 150.0}
PUBLISHES = 20
# Searches the second worker runs in a loop while the publishes happen.
WORKER_QUERIES = ["Leerstand", "Bürgerbus Ehrenamt Ortsteile", "Dorfladen", "Genossenschaft"]

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


def memory_mb():
    """Private (RssAnon) and file-backed, shareable (RssFile) resident memory in MB (Linux)."""
    result = dict.fromkeys(("RssAnon", "RssFile"), float("nan"))
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                key, _sep, value = line.partition(":")
                if key in result:
                    result[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return result


def goal_ms():
    return GOAL_P95_MS.get(connection.vendor, 100.0)


def load_average():
    """The machine's load average (1, 5, 15 minutes) as text, for every figure printed."""
    try:
        return "load " + " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "load ?"


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
        parser.add_argument(
            "--no-workers",
            action="store_true",
            help=_("ohne zweiten Prozess (Zeit bis sichtbar, Suchen während Veröffentlichungen)"),
        )
        parser.add_argument(
            "--vector-sample",
            type=int,
            default=200,
            help=_("so viele Fälle vom Modell einbetten (Durchsatz); die übrigen leihen Vektoren"),
        )
        parser.add_argument(
            "--no-vectors",
            action="store_true",
            help=_("ohne semantische Suche messen (nur Wörter)"),
        )
        parser.add_argument(
            "--worker",
            action="store_true",
            help=_("intern: als zweiter Worker Befehle von stdin ausführen"),
        )

    def handle(self, *args, cases, seed, rounds, queries, profile, no_progress, **options):
        if options["worker"]:
            return self.serve_as_worker()
        self.write_environment()
        self.ensure_cases(cases, seed, progress_bar=not no_progress)
        semantic = not options["no_vectors"] and self.ensure_vectors(
            options["vector_sample"], seed, progress_bar=not no_progress
        )

        with override_settings(SEARCH_STATE_FILES=False):  # built, not mapped from disk
            snap = self.build_state()
        snap = self.load_state(snap)
        if semantic:
            self.measure_semantic_worker()

        mix = self.query_mix(snap, seed)
        if queries is not None:
            mix = self.limit(mix, queries)
        profiler = cProfile.Profile() if profile else None
        # --no-vectors: words alone, even where vectors are stored.
        with fusion.ranking_mode("fused" if semantic else "lexical"):
            timings = self.run_mix(mix, max(1, rounds), profiler, embed_each=bool(semantic))
        goal_met = self.write_table(timings, len(mix), semantic)
        if semantic:
            self.write_embedding_times(mix)
        self.write_api_timings(snap, max(1, rounds))
        rss_end, peak = rss_mb()
        self.stdout.write(
            _("Speicher (RSS) am Ende: %(rss).0f MB (Spitze %(peak).0f MB)")
            % {"rss": rss_end, "peak": peak}
        )
        self.stdout.write(
            _("Ziel p95 jeder Art < %(goal).0f ms: %(verdict)s")
            % {"goal": goal_ms(), "verdict": _("erreicht") if goal_met else _("verfehlt")}
        )
        if not options["no_workers"]:
            self.measure_second_worker()
        if profiler is not None:
            self.write_profile(profiler)

    def build_state(self):
        """Build the state as a fresh worker does, and print what it adds to the process."""
        engine.reset_snapshot()
        # The analyzer's lexicon is loaded once per process whatever the library holds: not
        # part of what the state adds.
        engine.document_analyzer().index_terms("Leerstandsmanagement im Dorfladen")
        gc.collect()
        rss_before, _peak = rss_mb()
        tracemalloc.start()
        started = time.perf_counter()
        snap = engine.snapshot()
        build_ms = (time.perf_counter() - started) * 1000
        held, peak_traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        gc.collect()
        rss_after, peak = rss_mb()
        self.stdout.write(
            _(
                "Zustand: %(n)d Einträge in %(ms).0f ms (mit tracemalloc); belegt "
                "%(held).1f MB (tracemalloc, Spitze %(traced).1f MB), Arrays %(arrays).1f MB; "
                "RSS %(before).0f MB -> %(after).0f MB (Spitze %(peak).0f MB) [%(load)s]"
            )
            % {
                "n": snap.size,
                "ms": build_ms,
                "held": held / 2**20,
                "traced": peak_traced / 2**20,
                "arrays": snap.nbytes() / 2**20,
                "before": rss_before,
                "after": rss_after,
                "peak": peak,
                "load": load_average(),
            }
        )
        engine.reset_snapshot()
        started = time.perf_counter()
        snap = engine.snapshot()
        self.stdout.write(
            _("Zustand ohne tracemalloc: %(ms).0f ms [%(load)s]")
            % {"ms": (time.perf_counter() - started) * 1000, "load": load_average()}
        )
        return snap

    def load_state(self, snap):
        """A worker that finds the state on this host's disk (search/state_files.py): how
        long writing it took, how long mapping it takes, what it adds to the process (private
        memory; the mapped pages are the page cache's, shared by the host's workers) and its
        first search."""
        if not state_files.enabled():
            self.stdout.write(_("Zustand auf der Platte: ausgeschaltet (SEARCH_STATE_FILES)"))
            return snap
        directory, written = state_files.path_for(snap.version), _("schon vorhanden")
        if not directory.exists():  # else written by an earlier run on this database
            arrays, meta = snap.file_parts()
            started = time.perf_counter()
            directory = state_files.save(snap.version, arrays, meta)
            written = _("geschrieben in %.0f ms") % ((time.perf_counter() - started) * 1000)
        if directory is None:
            self.stdout.write(_("Zustand auf der Platte: nicht schreibbar (siehe Log)"))
            return snap
        size = sum(path.stat().st_size for path in directory.iterdir()) / 2**20
        engine.reset_snapshot()
        gc.collect()
        before = memory_mb()
        started = time.perf_counter()
        loaded = engine.snapshot()
        load_ms = (time.perf_counter() - started) * 1000
        after_load = memory_mb()
        started = time.perf_counter()
        engine.search(SearchRequest(query=WORKER_QUERIES[0]))
        first_ms = (time.perf_counter() - started) * 1000
        after = memory_mb()
        self.stdout.write(
            _(
                "Zustand von der Platte (%(origin)s, %(size).1f MB; %(written)s): "
                "%(load).0f ms, erste Suche danach %(first).0f ms; privat "
                "(RssAnon) %(anon0).0f -> %(anon1).0f -> %(anon2).0f MB, geteilt (RssFile) "
                "%(file0).0f -> %(file1).0f -> %(file2).0f MB [%(load_average)s]"
            )
            % {
                "origin": loaded.origin,
                "size": size,
                "written": written,
                "load": load_ms,
                "first": first_ms,
                "anon0": before["RssAnon"],
                "anon1": after_load["RssAnon"],
                "anon2": after["RssAnon"],
                "file0": before["RssFile"],
                "file1": after_load["RssFile"],
                "file2": after["RssFile"],
                "load_average": load_average(),
            }
        )
        return loaded

    # --- the semantic search ---------------------------------------------------------------

    def ensure_vectors(self, sample, seed, progress_bar):
        """Vectors for every entry (devtools/bench_vectors.py); False without a provider."""
        figures = bench_vectors.ensure_vectors(sample, seed, progress_bar=progress_bar)
        if figures is None:
            self.stdout.write(_("Semantische Suche: kein Anbieter installiert, nur Wörter"))
            return False
        if figures["embedded"]:
            seconds = max(figures["seconds"], 1e-6)
            self.stdout.write(
                _(
                    "Vektoren: %(n)d Fälle vom Modell eingebettet in %(s).1f s "
                    "(%(rate).2f Fälle/s, über den Outbox-Consumer) [%(load)s]"
                )
                % {
                    "n": figures["embedded"],
                    "s": seconds,
                    "rate": figures["embedded"] / seconds,
                    "load": load_average(),
                }
            )
        if figures["borrowed"]:
            self.stdout.write(
                _("Vektoren: %d weitere Einträge mit geliehenen Vektoren (Zeilen eingebetteter)")
                % figures["borrowed"]
            )
        self.stdout.write(
            _("Vektoren: %(rows)d Zeilen für %(entries)d Einträge; Speicher: %(store)s")
            % {
                "rows": PassageVector.objects.count(),
                "entries": PassageVector.objects.values("entry_id").distinct().count(),
                "store": store.describe(figures["store"]),
            }
        )
        return True

    def measure_semantic_worker(self):
        """What the semantic search adds to a worker: the model and the vectors, loaded by its
        first semantic search (RSS; the model and a matrix file are mapped and shared by the
        workers of a host)."""
        gc.collect()
        before, _peak = rss_mb()
        milliseconds = bench_vectors.first_semantic_search("Dorfladen Genossenschaft")
        gc.collect()
        after, _peak = rss_mb()
        self.stdout.write(
            _(
                "Semantische Suche im Worker: erste Suche %(ms).0f ms (Modell und Vektoren "
                "laden); RSS %(before).0f MB -> %(after).0f MB (+%(added).0f MB) [%(load)s]"
            )
            % {
                "ms": milliseconds,
                "before": before,
                "after": after,
                "added": after - before,
                "load": load_average(),
            }
        )

    def write_embedding_times(self, mix):
        """The query embedding alone (in every timed search above)."""
        queries = sorted({request.query for _kind, request in mix if request.query})
        times = bench_vectors.embedding_times(queries)
        self.stdout.write(
            _(
                "Davon Anfrage einbetten (%(n)d Anfragen x 3): Median %(median).1f ms, "
                "p95 %(p95).1f ms [%(load)s]"
            )
            % {
                "n": len(queries),
                "median": statistics.median(times),
                "p95": percentile(times, 0.95),
                "load": load_average(),
            }
        )
        self.stdout.write("")

    # --- a second worker --------------------------------------------------------------------

    def measure_second_worker(self):
        """Publish changes while a second process (a second worker) searches: how long
        until it finds a change, and how long its searches take meanwhile."""
        worker = subprocess.Popen(  # noqa: S603 (this very command, with our own arguments)
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_search", "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        try:
            ready = self.ask(worker, None)
            self.stdout.write(_("Zweiter Worker: %(line)s") % {"line": ready})
            pages = list(CasePage.objects.live().order_by("-pk")[:PUBLISHES])
            marker = f"Prüfmarke{random.randrange(10**6, 10**7)}"  # noqa: S311
            started = self.publish(pages[0], marker)
            answer = self.ask(worker, f"watch {marker} {started}")
            self.stdout.write(
                _("Veröffentlicht bis gefunden im zweiten Worker: %(s)s s [%(load)s]")
                % {"s": answer.split()[-1], "load": load_average()}
            )
            worker.stdin.write("load\n")
            worker.stdin.flush()
            time.sleep(1.0)
            for number, page in enumerate(pages):
                self.publish(page, f"{marker}x{number}")
                time.sleep(0.25)
            answer = self.ask(worker, "stop")
            self.stdout.write(
                _("Suchen im zweiten Worker während %(n)d Veröffentlichungen: %(line)s [%(load)s]")
                % {"n": len(pages), "line": answer, "load": load_average()}
            )
        finally:
            if worker.poll() is None:
                worker.stdin.close()
                worker.wait(timeout=30)

    @staticmethod
    def ask(worker, command):
        if command is not None:
            worker.stdin.write(command + "\n")
            worker.stdin.flush()
        line = worker.stdout.readline()
        if not line:
            raise RuntimeError("the second worker ended")
        return line.strip()

    @staticmethod
    def publish(page, word):
        """Publish a new revision of the page with ``word`` in its summary; the time of the
        commit (epoch seconds)."""
        page = page.specific
        page.summary = f"{word} {page.summary}"[:500]
        page.save_revision().publish()
        return time.time()

    def serve_as_worker(self):
        """The second worker: build the state, then answer commands from stdin."""
        rss_before, _peak = rss_mb()
        private_before = memory_mb()["RssAnon"]
        started = time.perf_counter()
        state = engine.snapshot()
        elapsed_ms = (time.perf_counter() - started) * 1000
        engine.search(SearchRequest(query=WORKER_QUERIES[0]))
        rss_after, peak = rss_mb()
        self.reply(
            _(
                "Zustand in %(ms).0f ms %(how)s; RSS %(before).0f MB -> %(after).0f MB "
                "(Spitze %(peak).0f MB; privat +%(private).0f MB) nach der ersten Suche"
            )
            % {
                "ms": elapsed_ms,
                "how": _("von der Platte geladen") if state.origin == "loaded" else _("gebaut"),
                "before": rss_before,
                "after": rss_after,
                "peak": peak,
                "private": memory_mb()["RssAnon"] - private_before,
            }
        )
        for line in sys.stdin:
            command, *args = line.split()
            if command == "watch":
                word, published = args[0], float(args[1])
                while not engine.search(SearchRequest(query=word)).count:
                    time.sleep(0.02)
                self.reply(f"visible {time.time() - published:.2f}")
            elif command == "load":
                self.search_until_stopped()

    def search_until_stopped(self):
        """Search in a loop until "stop" arrives on stdin; reply with the latencies."""
        latencies = []
        number = 0
        while not select.select([sys.stdin], [], [], 0)[0]:
            query = WORKER_QUERIES[number % len(WORKER_QUERIES)]
            number += 1
            started = time.perf_counter()
            engine.search(SearchRequest(query=query, filters={}))
            latencies.append((time.perf_counter() - started) * 1000)
        sys.stdin.readline()
        self.reply(
            f"n={len(latencies)} median={statistics.median(latencies):.1f} ms "
            f"p95={percentile(latencies, 0.95):.1f} ms max={max(latencies):.1f} ms"
        )

    def reply(self, text):
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

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
        states = sorted(snap.columns["land"].values)
        towns = sorted(snap.columns["town"].values)
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

    def run_mix(self, mix, rounds, profiler, embed_each=False):
        """kind -> list of (round, milliseconds, hit count); ``embed_each``: every search
        embeds its query (the cache of embedded queries emptied before it)."""
        timings = defaultdict(list)
        for number in range(1, rounds + 1):
            for kind, request in mix:
                if embed_each:
                    fusion.clear_query_cache()
                if profiler is not None:
                    profiler.enable()
                started = time.perf_counter()
                response = engine.search(request)
                elapsed = (time.perf_counter() - started) * 1000
                if profiler is not None:
                    profiler.disable()
                timings[kind].append((number, elapsed, response.count))
        return timings

    def write_table(self, timings, distinct, semantic=False):
        header = f"{_('Art'):<22} {'n':>4} {_('Treffer'):>8} {'Median':>8} {'p95':>8} {'Max':>8}"
        self.stdout.write("")
        self.stdout.write(
            _(
                "Suche über search.engine.search (ms, mit Facetten; %(n)d verschiedene "
                "Anfragen; %(words)s) [%(load)s]:"
            )
            % {
                "n": distinct,
                "words": _("Wörter und Bedeutung, jede Anfrage neu eingebettet")
                if semantic
                else _("nur Wörter"),
                "load": load_average(),
            }
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        every = []
        every_kind_met = True
        for kind, rows in timings.items():
            ms = [elapsed for _number, elapsed, _count in rows]
            every_kind_met &= percentile(ms, 0.95) < goal_ms()
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
        return every_kind_met

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
