"""What the semantic search costs on this machine: passages embedded per second (indexing),
the query embedding, the dense scoring over a matrix of N entries, and the memory a worker
adds. The scoring is timed on a matrix of random unit vectors of the real shape (its cost
does not depend on the values), so 10,000 cases need not be embedded first; the lexical part
of a search is measured by bench_search."""

import os
import tempfile
import time
from pathlib import Path
from statistics import median

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from search.evaluation import load_judgements
from search.models import SearchEntry
from search.semantic import store
from search.semantic.index import entry_rows
from search.semantic.passages import entry_passages
from search.semantic.provider import get_provider


def rss_mb():
    """Resident memory of this process (Linux)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def p95(values):
    return float(np.percentile(values, 95))


class Command(BaseCommand):
    help = "Measure the semantic search: indexing throughput, query latency, memory."

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=10_000)
        parser.add_argument("--sample", type=int, default=40, help="entries embedded")

    def handle(self, *args, entries, sample, **options):
        before = rss_mb()
        started = time.perf_counter()
        provider = get_provider()
        if provider is None:
            raise CommandError("No embedding provider (SEMANTIC_SEARCH_PROVIDER / package).")
        load_ms = (time.perf_counter() - started) * 1000
        self.stdout.write(f"Provider {provider.model_id}: loaded in {load_ms:.0f} ms")

        chosen = list(SearchEntry.objects.order_by("?")[:sample])
        if not chosen:
            raise CommandError("No search entries: load a corpus first.")
        texts = [entry_passages(entry) for entry in chosen]
        flat = [text for group in texts for text in group]
        started = time.perf_counter()
        vectors = provider.passages(flat)
        seconds = time.perf_counter() - started
        offsets = np.cumsum([0, *map(len, texts)])
        bounds = zip(offsets[:-1], offsets[1:], strict=True)
        rows = sum(len(entry_rows(vectors[a:b])) for a, b in bounds)
        self.stdout.write(
            f"Indexing: {len(flat)} passages of {len(chosen)} entries in {seconds:.1f} s = "
            f"{len(flat) / seconds:.1f} passages/s, {len(chosen) / seconds:.2f} entries/s "
            f"({1000 * seconds / len(flat):.0f} ms per passage, {rows / len(chosen):.1f} rows "
            "per entry)"
        )

        queries = [query.query for query in load_judgements()]
        embed_ms = []
        for text in queries:
            started = time.perf_counter()
            provider.queries([text])
            embed_ms.append((time.perf_counter() - started) * 1000)
        self.stdout.write(
            f"Query embedding ({len(queries)} queries): median {median(embed_ms):.1f} ms, "
            f"p95 {p95(embed_ms):.1f} ms"
        )
        self._scoring(provider, entries, queries, before)

    def _scoring(self, provider, entries, queries, before):
        """Dense scoring over a memory-mapped matrix of ``entries`` x ROWS_PER_ENTRY rows."""
        rng = np.random.default_rng(42)
        count = entries * store.ROWS_PER_ENTRY
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "bench.npy"
            matrix = rng.standard_normal((count, provider.dim)).astype(np.float32)
            matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
            np.save(path, matrix)
            del matrix
            ids = np.repeat(np.arange(1, entries + 1, dtype=np.int64), store.ROWS_PER_ENTRY)
            mapped = store.VectorMatrix("bench", ids, np.load(path, mmap_mode="r"))
            vectors = provider.queries(queries)
            mapped.entry_scores(vectors[0])  # page the file in
            score_ms = []
            for vector in vectors:
                started = time.perf_counter()
                mapped.entry_scores(vector)
                score_ms.append((time.perf_counter() - started) * 1000)
            self.stdout.write(
                f"Dense scoring over {entries} entries ({count} rows, "
                f"{path.stat().st_size / 2**20:.1f} MB float32, memory-mapped): "
                f"median {median(score_ms):.1f} ms, p95 {p95(score_ms):.1f} ms"
            )
            self.stdout.write(
                f"Memory of this process: +{rss_mb() - before:.0f} MB (model, query buffers "
                "and the mapped matrix pages, shared by the workers of a host)"
            )
