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
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from threading import Lock

import numpy as np

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


def dense_scores(query, snap):
    """{entry id: 0-1} of the entries close to the best dense match; {} when the semantic
    search is off, has no vectors yet or fails (the search then runs on words only)."""
    provider = get_provider()
    if provider is None:
        return {}
    try:
        vectors = store.current_index(provider.model_id, provider.dim)
        if not vectors.size:
            return {}  # no query embedding when there is nothing to compare it with
        entry_ids, cosines = vectors.entry_scores(query_vector(provider, query))
    except Exception:
        logger.exception("Semantic search failed; searching on words only")
        return {}
    positions = snap.positions_of(entry_ids)
    known = positions >= 0
    known[known] = snap.alive[positions[known]]
    if not known.any():
        return {}
    entry_ids, cosines = entry_ids[known], cosines[known]
    prior = snap.prior[positions[known]].astype(np.float32)
    scores = cosines * prior
    scaled = (scores - (scores.max() - DENSE_WINDOW)) / DENSE_WINDOW
    best = np.argsort(-scaled, kind="stable")[:DENSE_LIMIT]
    best = best[scaled[best] > 0]
    return dict(zip(entry_ids[best].tolist(), scaled[best].tolist(), strict=True))


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


def fuse(query, lexical_ranked, snap, analyzed):
    """The fused ranking, [(entry id, score)] best first, from the lexical one."""
    mode = _mode.get()
    if mode == "lexical" or analyzed is None or not understood(snap, analyzed):
        return [] if mode == "dense" else lexical_ranked
    dense = dense_scores(query, snap)
    if mode == "dense":
        return sorted(dense.items(), key=lambda item: -item[1])
    if not dense:
        return lexical_ranked
    top = lexical_ranked[0][1] if lexical_ranked and lexical_ranked[0][1] > 0 else 1.0
    scores = {pk: LEXICAL_WEIGHT * score / top for pk, score in lexical_ranked}
    for pk, score in dense.items():
        scores[pk] = scores.get(pk, 0.0) + DENSE_WEIGHT * score
    return sorted(scores.items(), key=lambda item: -item[1])


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
