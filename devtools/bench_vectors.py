"""Vectors for the search benchmark (bench_search): the semantic search is part of every
timed search, query embedding included.

Embedding 10,000 cases takes over an hour on two busy cores (README), so the benchmark embeds
a sample of the generated cases with the real model through the outbox consumer (that is the
indexing throughput it reports) and gives every other entry the rows of a sampled one with a
little noise. What a search costs does not depend on the values, only on the number of rows;
the borrowed rows keep a realistic spread of cosines. They carry the digest ``bench-borrowed``,
so a real ``rebuild_search`` embeds those entries properly later.
"""

import time

import numpy as np
from django.db.models import Exists, OuterRef
from django.test import override_settings
from tqdm import tqdm

from search.models import SearchEntry
from search.semantic import fusion, store
from search.semantic.index import BATCH, VectorConsumer
from search.semantic.models import PassageVector
from search.semantic.provider import get_provider

BORROWED = "bench-borrowed"
NOISE = 0.02


def ensure_vectors(sample, seed, progress_bar=True):
    """Vectors for every entry: ``sample`` entries embedded by the model, the others borrowed.
    Returns the figures to print (None without a provider)."""
    provider = get_provider()
    if provider is None:
        return None
    # An anti-join (NOT EXISTS): PostgreSQL runs NOT IN over a subquery larger than work_mem
    # as a nested loop (minutes at 100,000 entries).
    with_vectors = PassageVector.objects.filter(model_id=provider.model_id, entry_id=OuterRef("pk"))
    missing = list(
        SearchEntry.objects.filter(~Exists(with_vectors))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    figures = {
        "embedded": 0,
        "seconds": 0.0,
        "borrowed": 0,
        "store": store.active_store(provider.dim),
    }
    if not missing:
        return figures
    rng = np.random.default_rng(seed)
    chosen = sorted(rng.choice(missing, size=min(sample, len(missing)), replace=False).tolist())
    consumer = VectorConsumer()
    started = time.perf_counter()
    # The benchmark embeds even where publishing does not (SEMANTIC_SEARCH_AUTO_INDEX=false).
    with (
        override_settings(SEMANTIC_SEARCH_AUTO_INDEX=True),
        tqdm(total=len(chosen), desc="Vektoren", unit=" Fälle", disable=not progress_bar) as bar,
    ):
        for start in range(0, len(chosen), BATCH):
            batch = chosen[start : start + BATCH]
            figures["embedded"] += consumer.index(batch)
            bar.update(len(batch))
    figures["seconds"] = time.perf_counter() - started
    figures["borrowed"] = borrow(sorted(set(missing) - set(chosen)), provider.model_id, rng)
    return figures


def borrow(entry_ids, model_id, rng):
    """Give these entries the rows of embedded entries, with noise, normalised."""
    donors = {}
    for entry_id, blob in (
        PassageVector.objects.filter(model_id=model_id)
        .exclude(digest=BORROWED)
        .order_by("entry_id", "position")
        .values_list("entry_id", "vector")
    ):
        donors.setdefault(entry_id, []).append(np.frombuffer(bytes(blob), dtype="<f2"))
    donor_rows = [np.asarray(rows, dtype=np.float32) for rows in donors.values()]
    if not donor_rows:
        return 0
    for start in range(0, len(entry_ids), 1000):
        rows_by_entry = {}
        for entry_id in entry_ids[start : start + 1000]:
            rows = donor_rows[rng.integers(len(donor_rows))]
            rows = rows + rng.normal(0.0, NOISE, rows.shape).astype(np.float32)
            rows_by_entry[entry_id] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        store.save_vectors(rows_by_entry, model_id, dict.fromkeys(rows_by_entry, BORROWED))
    return len(entry_ids)


def first_semantic_search(query):
    """Load the model and the vectors as a worker's first semantic search does; its ms."""
    started = time.perf_counter()
    provider = get_provider()
    vectors = store.current_index(provider.model_id, provider.dim)
    if not vectors.size:  # no file for the vectors on this host yet: built in the background
        store.wait_for_background_load()
        vectors = store.current_index(provider.model_id, provider.dim)
    vectors.entry_scores(fusion.query_vector(provider, query))
    return (time.perf_counter() - started) * 1000


def embedding_times(queries, rounds=3):
    """Milliseconds to embed each query, without the cache."""
    provider = get_provider()
    times = []
    for _round in range(rounds):
        for query in queries:
            started = time.perf_counter()
            provider.queries([query])
            times.append((time.perf_counter() - started) * 1000)
    return times
