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


def dense_scores(query, snap, kind_prior):
    """{entry id: 0-1} of the entries close to the best dense match; {} when the semantic
    search is off, has no vectors yet or fails (the search then runs on words only)."""
    provider = get_provider()
    if provider is None:
        return {}
    try:
        matrix = store.current_matrix(provider.model_id)
        if not matrix.size:
            return {}
        entry_ids, cosines = matrix.entry_scores(query_vector(provider, query))
    except Exception:
        logger.exception("Semantic search failed; searching on words only")
        return {}
    entries = snap.entries
    known = np.fromiter((pk in entries for pk in entry_ids.tolist()), dtype=bool)
    if not known.any():
        return {}
    entry_ids, cosines = entry_ids[known], cosines[known]
    prior = np.fromiter(
        (kind_prior.get(entries[pk].kind, 1.0) for pk in entry_ids.tolist()), dtype=np.float32
    )
    scores = cosines * prior
    scaled = (scores - (scores.max() - DENSE_WINDOW)) / DENSE_WINDOW
    best = np.argsort(-scaled, kind="stable")[:DENSE_LIMIT]
    best = best[scaled[best] > 0]
    return dict(zip(entry_ids[best].tolist(), scaled[best].tolist(), strict=True))


def fuse(query, lexical_ranked, snap, analyzed, kind_prior):
    """The fused ranking, [(entry id, score)] best first, from the lexical one."""
    if analyzed is None or not understood(snap, analyzed):
        return lexical_ranked
    dense = dense_scores(query, snap, kind_prior)
    if not dense:
        return lexical_ranked
    top = lexical_ranked[0][1] if lexical_ranked and lexical_ranked[0][1] > 0 else 1.0
    scores = {pk: LEXICAL_WEIGHT * score / top for pk, score in lexical_ranked}
    for pk, score in dense.items():
        scores[pk] = scores.get(pk, 0.0) + DENSE_WEIGHT * score
    return sorted(scores.items(), key=lambda item: -item[1])
