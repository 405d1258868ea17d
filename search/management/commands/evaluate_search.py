"""Score the case search against the relevance test set in tests/relevance/.

The database must already hold the evaluation corpus: the demo cases plus the generated
distractors (``devtools.fake.generate_records(300, seed=42)``). The command only runs the
queries and prints the metrics; see ``search/evaluation.py`` for their definitions.
"""

from collections import Counter
from statistics import fmean

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from search.evaluation import comparison_table, evaluate, load_judgements
from search.models import SearchEntry
from search.semantic import fusion

PAGE_SIZE = 10


class EngineRunner:
    """``query -> ranked slugs`` backed by the project's search module.

    Also notes which backend answered (the engine falls back to the database backend when
    the configured one fails) and how long the searches took.
    """

    def __init__(self, backend=None):
        # Imported here so the command (and its help) loads even while the engine is missing.
        try:
            from search.engine import SearchRequest, search
        except ImportError as error:
            raise CommandError(f"The search module is not available: {error}") from error
        self.backend = backend
        self._request = SearchRequest
        self._search = search
        self.answered_by = Counter()
        self.took_ms = []

    def __call__(self, query):
        response = self._search(
            self._request(query=query, page_size=PAGE_SIZE), backend=self.backend
        )
        self.answered_by[getattr(response, "backend", None) or self.backend or "default"] += 1
        if getattr(response, "took_ms", None) is not None:
            self.took_ms.append(response.took_ms)
        return [hit.page.slug for hit in response.results]


class Command(BaseCommand):
    help = (
        "Run the relevance test set (tests/relevance/judgements.json) through the site search "
        "and print MRR, Recall@5 and nDCG@10 per query kind. Expects the demo cases and the "
        "generated distractors in the database."
    )
    # Lets tests pass a stand-in for the search engine: call_command(..., run_query=fn).
    stealth_options = ("run_query",)

    def add_arguments(self, parser):
        parser.add_argument(
            "--backend", help="Search backend name passed to the engine (default: its default)"
        )
        parser.add_argument("--kind", help="Only evaluate queries of this kind")
        parser.add_argument(
            "--failures",
            type=int,
            default=0,
            metavar="N",
            help="Also print the N worst queries with their top results",
        )
        parser.add_argument(
            "--min-mrr",
            type=float,
            metavar="MRR",
            help="Exit with an error when the overall MRR is below this value",
        )
        parser.add_argument("--judgements", metavar="PATH", help="Another judgements file")
        parser.add_argument(
            "--compare",
            action="store_true",
            help="Rank each query by words only, by meaning only (semantic search) and by "
            "both, and print the three side by side",
        )
        parser.add_argument(
            "--emulator",
            action="store_true",
            help="Start the osmem-server OpenSearch emulator, index the entries there and "
            "evaluate the engine path (search/engines/) against it",
        )

    def handle(self, *args, **options):
        try:
            queries = load_judgements(options["judgements"])
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot load the judgements: {error}") from error
        kind = options["kind"]
        if kind:
            kinds = sorted({query.kind for query in queries})
            queries = [query for query in queries if query.kind == kind]
            if not queries:
                raise CommandError(f"No queries of kind {kind!r}; kinds: {', '.join(kinds)}")

        if options["emulator"]:
            # The emulator is in the test extra only (development and CI), not in production.
            from osmem_server import OsmemServer

            with OsmemServer.start() as server, server.clone() as clone:
                self._use_emulator(clone.url)
                options["emulator"] = False
                try:
                    return self.handle(*args, **options)
                finally:
                    settings.SEARCH_ENGINE = None

        backend = options["backend"]
        run_query = options.get("run_query")
        if run_query is None:
            run_query = EngineRunner(backend)
            self._check_corpus(queries)

        if options["compare"]:
            reports = {}
            for mode in fusion.MODES:
                with fusion.ranking_mode(mode):
                    reports[mode] = evaluate(run_query, queries)
            self.stdout.write(f"Backend: {self._backend_label(backend, run_query)}")
            self.stdout.write(comparison_table(reports))
            report = reports["fused"]
            if options["failures"] > 0:
                self._failures(report, options["failures"])
            return self._check_mrr(report, options["min_mrr"])

        report = evaluate(run_query, queries)

        self.stdout.write(f"Backend: {self._backend_label(backend, run_query)}")
        self.stdout.write(report.table())
        if options["failures"] > 0:
            self._failures(report, options["failures"])
        self._check_mrr(report, options["min_mrr"])

    def _failures(self, report, limit):
        failures = report.failures(limit=limit)
        self.stdout.write("")
        if not failures:
            self.stdout.write("Every query has a grade 2 or 3 case in first place.")
        for result in failures:
            self.stdout.write(result.describe())

    def _check_mrr(self, report, min_mrr):
        if min_mrr is not None and report.mrr < min_mrr:
            raise CommandError(f"Overall MRR {report.mrr:.3f} is below --min-mrr {min_mrr:.3f}")

    def _use_emulator(self, url):
        """The engine path (search/engines/) against the emulator, the entries indexed."""
        # Imported here as the search module is above (see __init__): the help loads without.
        from search.engines.server import EngineConsumer
        from search.index_settings import search_engine

        settings.SEARCH_ENGINE = search_engine(url)
        EngineConsumer().rebuild()
        self.stdout.write(f"OpenSearch emulator (osmem-server) at {url}")

    def _backend_label(self, backend, runner):
        """The backend name with its class, the backends that actually answered if the
        engine fell back, and the mean search time when the engine reports it."""
        configured = getattr(settings, "WAGTAILSEARCH_BACKENDS", {})

        def describe(name):
            path = configured.get(name, {}).get("BACKEND")
            return f"{name} ({path})" if path else name

        requested = backend or "default"
        label = describe(requested)
        answered = getattr(runner, "answered_by", None)
        if answered and set(answered) != {requested}:
            used = ", ".join(f"{describe(name)} x{count}" for name, count in answered.items())
            label += f"; answered by {used}"
        took_ms = getattr(runner, "took_ms", None)
        if took_ms:
            label += f"; mean {fmean(took_ms):.0f} ms per query"
        return label

    def _check_corpus(self, queries):
        """Warn when judged cases are missing: the scores would then be meaningless. The
        search's own entries say which cases it knows (the last part of their paths)."""
        judged = {slug for query in queries for slug in query.judgements}
        paths = SearchEntry.objects.filter(kind=SearchEntry.Kind.CASE).values_list(
            "url_path", flat=True
        )
        present = {path.rstrip("/").rsplit("/", 1)[-1] for path in paths} & judged
        missing = sorted(judged - present)
        if missing:
            self.stderr.write(
                self.style.WARNING(
                    f"{len(missing)} of {len(judged)} judged cases are not live in the "
                    f"database (e.g. {', '.join(missing[:3])}). Load the demo content and "
                    "generate_records(300, seed=42) before trusting these numbers."
                )
            )
