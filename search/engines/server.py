"""Search, autocomplete and related cases in OpenSearch 2/3 or Elasticsearch 8/9.

Every call is one request to the server; nothing of the library is kept per worker (the
facet labels, the site's root path and the synonym rules are memoised per content
generation, see core.memo):

- :func:`search`: a ``bool`` query over the terms of the project's German analyzer (the same
  terms the database path matches, indexed in ``title``/``key_terms``/``body_terms``), with
  fuzziness for typos, the quality prior as ``rank_feature`` and the kind prior as
  ``function_score`` weights; ``terms`` aggregations under ``filter`` aggregations and a
  ``post_filter`` for disjunctive facets (a facet's counts ignore its own filter); exact
  totals (``track_total_hits``); sort, paging and highlighting in the server.
- :func:`autocomplete`: prefix queries on the folded labels (``suggest``) with the matching
  towns, tags and themes as aggregations.
- :func:`related`: the source entry's themes, tags, terms, town, size class and state as
  ``should`` clauses, and closeness in meaning.

Dense retrieval (issue 16): the documents carry the semantic search's passage vectors (the
rows the ``semantic`` consumer stored, up to three per entry) in k-NN fields; a search embeds
the query once and adds a k-NN clause to the same request, so filters, facets, totals and
paging apply to the fused list. A server without k-NN queries (the emulator) gets the dense
candidates computed from the host's vector matrix (search/semantic/store.py) as weighted id
clauses instead: still one request, the same fusion in the server.

The index is written through :class:`EngineConsumer` (search.consumers): bulk requests, and
``rebuild`` into a new index with a timestamped name, then one atomic alias switch.
"""

import html
import logging
import math
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import numpy as np
import opensearchpy
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from opensearchpy import helpers as opensearch_helpers

from core.geo import SizeClass, State, size_class_for
from core.memo import memoised

from .. import engine
from ..analysis import (
    WEIGHT_PART,
    WEIGHT_PHRASE_WORD,
    WEIGHT_SYNONYM,
    WEIGHT_WORD,
    GermanAnalyzer,
    fold,
    parse_synonyms,
    title_sort_key,
)
from ..index_settings import FACET_FIELDS, VECTOR_FIELDS, index_body
from ..models import SearchEntry, Synonym, database_now
from ..registry import facet_values
from ..semantic import fusion
from ..semantic import store as vector_store
from ..semantic.models import PassageVector
from ..semantic.provider import get_provider

try:  # Elasticsearch is optional: only a site configured for it installs elasticsearch-py.
    import elasticsearch
    from elasticsearch import helpers as elasticsearch_helpers
except ImportError:  # pragma: no cover - depends on the installation
    elasticsearch = elasticsearch_helpers = None

logger = logging.getLogger(__name__)

# The analysed fields and their weights (as the database path weights its columns).
TEXT_FIELDS = ["title^4", "key_terms^2.5", "body_terms"]
# A query word must be found in this share of the query's words (rounded down), as the
# database path's coverage threshold: one common word cannot exclude a case with the rare ones.
MINIMUM_SHOULD_MATCH = "75%"
# Typos: a stem of this length or more also matches at edit distance 1-2 ("AUTO"), weaker.
FUZZY_MIN_LENGTH = 5
FUZZY_WEIGHT = 0.45
# How much the documentation quality adds to the text score (rank_feature, saturation
# q / (q + 0.5)); tuned on tests/relevance/judgements.json with the emulator (README).
QUALITY_BOOST = 25.0
# The deepest result a server pages to (index.max_result_window).
MAX_RESULT_WINDOW = 10_000
BULK_CHUNK = 500
# Indexing requests (bulk, creating an index) may take much longer than a search.
INDEX_TIMEOUT = 120
# Highlight markers that cannot occur in the text (private use area): the fragments are
# HTML-escaped first, then the markers become <mark>.
MARK_START, MARK_END = "\ue000", "\ue001"
SOURCE_FIELDS = [
    "entry_id",
    "page_id",
    "kind",
    "heading",
    "url_path",
    "summary",
    "towns",
    "states",
    "theme_names",
    "themes",
    "size_classes",
]
AUTOCOMPLETE_BUCKETS = 100
SPELLING_MIN_LENGTH = 4

if elasticsearch is not None:
    UNAVAILABLE = (opensearchpy.ConnectionError, elasticsearch.ConnectionError)
else:
    UNAVAILABLE = (opensearchpy.ConnectionError,)


class EngineError(RuntimeError):
    """The server answered with something the engine path cannot use."""


# ---------------------------------------------------------------------------------------------
# Configuration and client
# ---------------------------------------------------------------------------------------------


def config():
    return getattr(settings, "SEARCH_ENGINE", None) or None


def configured(backend=None):
    """Whether a search with this backend name runs in the server: SEARCH_ENGINE is set and
    no other backend (e.g. "database", the fallback) was asked for."""
    return config() is not None and backend in (None, "default", "engine")


class EngineClient:
    """The few calls the engine path makes, the same on OpenSearch and Elasticsearch: JSON
    requests through the client's transport (the query DSL is the same on both), and the
    client library's bulk helper."""

    def __init__(self, url, backend, timeout):
        self.backend = backend
        if backend.startswith("opensearch"):
            self.client = opensearchpy.OpenSearch(hosts=[url], timeout=timeout)
            self.helpers = opensearch_helpers
        elif backend.startswith("elasticsearch"):
            if elasticsearch is None:
                raise EngineError(
                    f"SEARCH_BACKEND={backend} needs the elasticsearch package "
                    "(pip install -e '.[elasticsearch]', pinned to elasticsearch==9.5.1)"
                )
            self.client = elasticsearch.Elasticsearch(hosts=[url], request_timeout=timeout)
            self.helpers = elasticsearch_helpers
        else:
            raise EngineError(f"Unknown SEARCH_BACKEND {backend!r}")

    def request(self, method, path, body=None, timeout=None):
        if self.helpers is opensearch_helpers:
            params = {"request_timeout": timeout} if timeout else None
            return self.client.transport.perform_request(method, path, body=body, params=params)
        headers = {"accept": "application/json"}
        if body is not None:
            headers["content-type"] = "application/json"
        es = self.client.options(request_timeout=timeout) if timeout else self.client
        return es.perform_request(method, path, body=body, headers=headers).body

    def _bulk_client(self):
        if self.helpers is opensearch_helpers:
            return self.client, {"request_timeout": INDEX_TIMEOUT}
        return self.client.options(request_timeout=INDEX_TIMEOUT), {}

    def exists(self, path):
        try:
            self.request("GET", path)
        except (opensearchpy.NotFoundError, *_es_not_found()):
            return False
        return True

    def bulk(self, actions, **options):
        bulk_client, extra = self._bulk_client()
        return self.helpers.bulk(bulk_client, actions, chunk_size=BULK_CHUNK, **extra, **options)

    def streaming_bulk(self, actions):
        """(ok, item) per document, in chunks."""
        bulk_client, extra = self._bulk_client()
        return self.helpers.streaming_bulk(
            bulk_client, actions, chunk_size=BULK_CHUNK, raise_on_error=False, **extra
        )


def _es_not_found():
    return (elasticsearch.NotFoundError,) if elasticsearch is not None else ()


_clients = {}


def client():
    """One client (a connection pool) per configuration and process."""
    cfg = config()
    if cfg is None:
        raise EngineError("SEARCH_ENGINE is not configured")
    key = (cfg["URL"], cfg.get("BACKEND", "opensearch3"), cfg.get("TIMEOUT", 5))
    if key not in _clients:
        if len(_clients) >= 4:  # settings changed (tests): forget the old pools
            _clients.clear()
        _clients[key] = EngineClient(*key)
    return _clients[key]


def alias():
    return config()["INDEX"]


# ---------------------------------------------------------------------------------------------
# What the engine path needs from the database, per content generation
# ---------------------------------------------------------------------------------------------


def _synonym_rules():
    """The editors' active synonym rules (Solr format), readable ones only."""
    rules = []
    for rule in Synonym.objects.filter(active=True).values_list("rule", flat=True):
        try:
            parse_synonyms([rule])
        except ValueError:
            logger.warning("Ignoring unreadable synonym rule %r", rule)
            continue
        rules.append(rule)
    return rules


class Context:
    """Labels of facet values, the site's root path and the query analyzer (with the
    synonyms), built once per content generation in each process: a few small queries."""

    def __init__(self):
        # The apps' facet values (search.registry), read once per content generation.
        self.theme_labels = facet_values("thema")
        self.funding_labels = facet_values("foerderung")
        self.registered_labels = {name: facet_values(name) for name in engine.REGISTERED_FACETS}
        rules = _synonym_rules()
        self.analyzer = GermanAnalyzer(synonyms=parse_synonyms(rules))
        self.root_path = engine.site_root_path()

    def known_values(self, name):
        known = {
            "thema": self.theme_labels,
            "land": set(State.values),
            "groesse": set(SizeClass.values),
            "foerderung": self.funding_labels,
            "zeitraum": {key for key, *_rest in engine.PERIOD_BUCKETS},
            "art": set(SearchEntry.Kind.values),
            **{key: set(labels) for key, labels in self.registered_labels.items()},
        }
        return known.get(name, set())

    def label(self, name, value):
        if name == "thema":
            return self.theme_labels.get(value, value)
        if name == "foerderung":
            return self.funding_labels.get(value, value)
        if name in self.registered_labels:
            return str(self.registered_labels[name].get(value, value))
        if name == "zeitraum":
            return next(
                (str(label) for key, label, *_r in engine.PERIOD_BUCKETS if key == value), value
            )
        choices = {"land": State, "groesse": SizeClass, "art": SearchEntry.Kind}.get(name)
        if choices is not None and value in choices.values:
            return str(choices(value).label)
        return value


def context():
    return memoised("search.engines.context", Context)


def _page_url(url_path, root_path):
    if root_path and url_path.startswith(root_path):
        return "/" + url_path[len(root_path) :]
    return url_path


# ---------------------------------------------------------------------------------------------
# Documents and indexing
# ---------------------------------------------------------------------------------------------


def _split(value, separator=None):
    return [part for part in value.split(separator) if part]


def _period(start):
    for key, _label, low, high in engine.PERIOD_BUCKETS:
        if start is not None and (low is None or start >= low) and (high is None or start <= high):
            return key
    return None


def document(entry):
    """The indexed document of a SearchEntry."""
    tags = _split(entry.tags, "|")
    towns = _split(entry.towns, "|")
    theme_names = _split(entry.theme_names, "|")
    return {
        "entry_id": entry.pk,
        "page_id": entry.page_id,
        "kind": entry.kind,
        "url_path": entry.url_path,
        "within": engine.ancestor_paths(entry.url_path),
        "heading": entry.heading,
        "heading_sort": title_sort_key(entry.heading),
        "summary": entry.summary,
        "text": entry.text,
        "title": entry.title,
        "key_terms": entry.key_terms,
        "body_terms": entry.body_terms,
        "themes": _split(entry.themes),
        "theme_names": theme_names,
        "tags": tags,
        "tags_folded": [fold(tag) for tag in tags],
        "towns": towns,
        "states": _split(entry.states),
        "size_classes": _split(entry.size_classes),
        "status": entry.status or None,
        "funding": _split(entry.funding),
        "period": _period(entry.period_start),
        "period_start": entry.period_start,
        "budget_range": entry.budget_range or None,
        "duration_class": entry.duration_class or None,
        "scope": entry.scope or None,
        "population": entry.population,
        "log_population": math.log(entry.population) if entry.population else None,
        "published_at": entry.published_at.isoformat() if entry.published_at else None,
        # rank_feature takes positive values only.
        "quality": max(entry.quality, 1e-3),
        "quality_value": entry.quality,
        "suggest": fold(" ".join([entry.heading, *towns, *tags, *theme_names])),
        "spell": " ".join([entry.heading, entry.summary, *towns, *tags, *theme_names]),
    }


def entry_vectors(entry_ids, model_id):
    """{entry id: [row, ...]}: the stored passage vectors of these entries (float32)."""
    vectors = {}
    rows = (
        PassageVector.objects.filter(entry_id__in=list(entry_ids), model_id=model_id)
        .order_by("entry_id", "position")
        .values_list("entry_id", "vector")
    )
    for entry_id, blob in rows:
        row = np.frombuffer(bytes(blob), dtype="<f2").astype(np.float32)
        vectors.setdefault(entry_id, []).append(row)
    return vectors


def _chunks(items, size):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _index_actions(index, entries):
    """Bulk actions for these entries, each document with its passage vectors (one query per
    chunk). The vectors are stored as float16: four decimals keep all they hold."""
    provider = get_provider()
    for chunk in _chunks(entries, BULK_CHUNK):
        vectors = entry_vectors([e.pk for e in chunk], provider.model_id) if provider else {}
        for entry in chunk:
            source = document(entry)
            for field, row in zip(VECTOR_FIELDS, vectors.get(entry.pk, ()), strict=False):
                source[field] = np.round(row, 4).tolist()
            yield {"_op_type": "index", "_index": index, "_id": entry.pk, "_source": source}


def backend_name():
    return config().get("BACKEND", "opensearch3")


def create_index(name):
    provider = get_provider()
    body = index_body(
        _synonym_rules(),
        vector_dim=provider.dim if provider else None,
        backend=backend_name(),
    )
    client().request("PUT", f"/{name}", body, timeout=INDEX_TIMEOUT)


def ensure_index():
    """Create the first index and its alias if there is none yet."""
    name = alias()
    if not client().exists(f"/_alias/{name}") and not client().exists(f"/{name}"):
        concrete = timestamped_name()
        create_index(concrete)
        actions = [{"add": {"index": concrete, "alias": name}}]
        client().request("POST", "/_aliases", {"actions": actions})


def database_clock():
    """The database's time now (the clock entries' ``updated_at`` is written with)."""
    now = SearchEntry.objects.annotate(now=database_now()).values_list("now", flat=True).first()
    return now or timezone.now()  # no entry yet: nothing written before can be missed


def timestamped_name():
    return f"{alias()}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"


def indices_of_alias():
    try:
        return sorted(client().request("GET", f"/_alias/{alias()}"))
    except (opensearchpy.NotFoundError, *_es_not_found()):
        return []


class EngineConsumer:
    """Keeps the server's index in step with the search entries (search.consumers)."""

    name = "search-engine"
    # After the "semantic" consumer: the documents carry the vectors it stores.
    order = 10

    def index(self, entry_ids):
        if config() is None:
            return
        ensure_index()
        entries = SearchEntry.objects.filter(pk__in=entry_ids).iterator(chunk_size=BULK_CHUNK)
        # An id whose row is gone by now was deleted after the change: forget it too.
        found = set()

        def actions():
            for action in _index_actions(alias(), entries):
                found.add(action["_id"])
                yield action

        client().bulk(actions(), refresh=True)
        missing = set(entry_ids) - found
        if missing:
            self.remove(sorted(missing))

    def remove(self, entry_ids):
        if config() is None:
            return
        ensure_index()
        actions = ({"_op_type": "delete", "_index": alias(), "_id": pk} for pk in entry_ids)
        # A document that was never indexed is already gone: not an error.
        _ok, errors = client().bulk(actions, refresh=True, raise_on_error=False)
        real = [e for e in errors if next(iter(e.values())).get("status") != 404]
        if real:
            raise EngineError(f"Could not remove {len(real)} entries: {real[:3]}")

    def rebuild(self, progress=None):
        """Index every entry into a new index, then point the alias at it in one atomic
        request: searches see the old index until the new one is complete. Entries written
        while the rebuild ran are indexed again after the switch."""
        if config() is None:
            return None
        # By the database's clock (entries' updated_at is set by it), a minute early: entries
        # written around the start are indexed once more, not missed.
        started = database_clock() - timedelta(minutes=1)
        name = alias()
        concrete = timestamped_name()
        create_index(concrete)
        total = SearchEntry.objects.count()
        try:
            indexed = self._fill(concrete, total, progress)
        except Exception:
            # A half-built index is of no use: the alias still points at the old one.
            client().request("DELETE", f"/{concrete}")
            raise
        old = indices_of_alias()
        actions = [{"remove": {"index": index, "alias": name}} for index in old]
        actions.append({"add": {"index": concrete, "alias": name}})
        client().request("POST", "/_aliases", {"actions": actions})
        for index in old:
            client().request("DELETE", f"/{index}")
        changed = list(
            SearchEntry.objects.filter(updated_at__gte=started).values_list("pk", flat=True)
        )
        if changed:
            self.index(changed)
        gone = indexed - set(SearchEntry.objects.values_list("pk", flat=True))
        if gone:  # deleted while the rebuild ran
            self.remove(sorted(gone))
        store_capabilities(probe_capabilities())
        return concrete

    @staticmethod
    def _fill(concrete, total, progress):
        """Bulk-index every entry into ``concrete``; the ids indexed."""
        if progress:
            progress(0, total)
        indexed = set()

        def actions():
            entries = SearchEntry.objects.order_by("pk").iterator(chunk_size=BULK_CHUNK)
            for action in _index_actions(concrete, entries):
                indexed.add(action["_id"])
                yield action

        done = 0
        for done, (ok, item) in enumerate(client().streaming_bulk(actions()), start=1):
            if not ok:
                raise EngineError(f"Rebuild of {concrete} failed: {item}")
            if progress and done % BULK_CHUNK == 0 and done < total:
                progress(done, total)
        if progress:
            progress(done, max(done, total))
        client().request("POST", f"/{concrete}/_refresh", timeout=INDEX_TIMEOUT)
        return indexed


# ---------------------------------------------------------------------------------------------
# What the server can do
# ---------------------------------------------------------------------------------------------

# Probes of the features the engine path uses: (analyzer, text, a token it must give).
ANALYSIS_PROBES = {
    "dictionary_decompounder": ("praxis_german", "Dorfladen", "dorf"),
    "german_normalization": ("praxis_german", "Straße", "strass"),
    "synonym_graph": ("praxis_german_synonyms", "Coworking", "gemeinschaftsburo"),
}
PROBE_SYNONYMS = ["coworking, gemeinschaftsbüro"]
PROBE_SUMMARY = "Ein Bürgerrat und mehr"
PROBE_VECTOR = [0.6, 0.8]


def probe_capabilities():
    """Which features the server really has, tried on a small index of its own (created and
    deleted again): the German analysis filters, and whether its highlighter marks only the
    words that match (the emulator marks every word of a matching field). A few requests,
    run after each rebuild and when no result is stored (see capabilities())."""
    name = f"{alias()}-probe-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"
    engine_client = client()
    body = index_body(PROBE_SYNONYMS, vector_dim=len(PROBE_VECTOR), backend=backend_name())
    engine_client.request("PUT", f"/{name}", body, timeout=INDEX_TIMEOUT)
    try:
        found = {}
        for feature, (analyzer, text, token) in ANALYSIS_PROBES.items():
            answer = engine_client.request(
                "POST", f"/{name}/_analyze", {"analyzer": analyzer, "text": text}
            )
            found[feature] = token in {t["token"] for t in answer.get("tokens", [])}
        engine_client.request(
            "PUT",
            f"/{name}/_doc/1?refresh=true",
            {"entry_id": 1, "summary": PROBE_SUMMARY, VECTOR_FIELDS[0]: PROBE_VECTOR},
        )
        answer = engine_client.request(
            "POST",
            f"/{name}/_search",
            {
                "query": {"match": {"summary": "Bürgerrat"}},
                "highlight": {"fields": {"summary": {"number_of_fragments": 0}}},
            },
        )
        hits = answer["hits"]["hits"]
        marked = hits[0].get("highlight", {}).get("summary", [""])[0] if hits else ""
        found["highlight"] = marked == "Ein <em>Bürgerrat</em> und mehr"
        found["knn"] = _probe_knn(engine_client, name)
    finally:
        engine_client.request("DELETE", f"/{name}")
    return found


def _probe_knn(engine_client, name):
    """Whether the server answers a k-NN query (the emulator stores knn_vector fields but
    rejects the query: "[knn] query is not supported by osmem")."""
    try:
        answer = engine_client.request(
            "POST",
            f"/{name}/_search",
            {"query": knn_query(VECTOR_FIELDS[0], PROBE_VECTOR, 1)},
        )
    except (opensearchpy.TransportError, *_es_api_errors()):
        return False
    return bool(answer["hits"]["hits"])


def _es_api_errors():
    return (elasticsearch.ApiError,) if elasticsearch is not None else ()


def _capabilities_key():
    cfg = config()
    return f"search-engine-capabilities:{cfg['URL']}:{alias()}"


def store_capabilities(found):
    """Kept in the shared cache (every host reads it), per server and alias."""
    cache.set(_capabilities_key(), found, None)
    memo_clear_capabilities()


_capabilities = {}


def memo_clear_capabilities():
    _capabilities.clear()


def capabilities():
    """What the server can do: from this process's memo, else the shared cache, else a probe
    (so a search sends one request, plus a probe once per server and alias)."""
    key = _capabilities_key()
    found = _capabilities.get(key)
    if found is None:
        found = cache.get(key)
        if found is None:
            found = probe_capabilities()
            cache.set(key, found, None)
        _capabilities.clear()
        _capabilities[key] = found
    return found


# ---------------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------------


def word_alternatives(group, part_sets):
    """One query word as weighted alternatives, each a tuple of terms that must co-occur:
    the word's own terms, its compound parts only all together, a synonym phrase's words
    only all together."""
    members = {term for part_set in part_sets for term in part_set}
    alternatives = [
        ((term,), weight)
        for term, weight in group
        if weight != WEIGHT_PHRASE_WORD and not (weight == WEIGHT_PART and term in members)
    ]
    alternatives.extend((tuple(part_set), WEIGHT_PART) for part_set in part_sets)
    phrase = tuple(term for term, weight in group if weight == WEIGHT_PHRASE_WORD)
    if phrase:
        alternatives.append((phrase, WEIGHT_PHRASE_WORD))
    return alternatives


def _term_clause(term, boost):
    return {
        "multi_match": {"query": term, "fields": TEXT_FIELDS, "type": "most_fields", "boost": boost}
    }


def text_query(analyzed, minimum=MINIMUM_SHOULD_MATCH, parts=True):
    """The analysed query as a bool query: a query word matches through its best alternative
    (dis_max), and at least ``minimum`` of the words must match. ``parts=False`` leaves out
    the compound parts (a part alone does not make a word known, see known_words_query)."""
    words = []
    for group, part_sets in zip(analyzed.groups, analyzed.part_sets, strict=True):
        clauses = []
        for terms, weight in word_alternatives(group, part_sets):
            if weight == WEIGHT_PART and not parts:
                continue
            if len(terms) == 1:
                clauses.append(_term_clause(terms[0], weight))
            else:
                clauses.append(
                    {"bool": {"must": [_term_clause(t, 1.0) for t in terms], "boost": weight}}
                )
            if (
                len(terms) == 1
                and weight == WEIGHT_WORD
                and len(terms[0]) >= FUZZY_MIN_LENGTH
                and terms[0].isalpha()
            ):
                clauses.append(
                    {
                        "multi_match": {
                            "query": terms[0],
                            "fields": TEXT_FIELDS,
                            "fuzziness": "AUTO",
                            "prefix_length": 1,
                            "boost": FUZZY_WEIGHT,
                        }
                    }
                )
        if clauses:
            words.append({"dis_max": {"queries": clauses, "tie_breaker": 0.1}})
    if not words:
        return None
    return {"bool": {"should": words, "minimum_should_match": minimum}}


def known_words_query(analyzed):
    """Entries containing one of the query's words (a whole word, a typo of one or a synonym;
    a compound part alone does not count): as fusion.understood on the database path, the
    dense side may only fill a list when the library knows one of the words."""
    return text_query(analyzed, minimum=1, parts=False) or {"match_none": {}}


def ranked_query(text, dense=None):
    """The text query with the priors: the documentation quality (rank_feature) added, the
    kind (a guide ranks after an equally good case) multiplied. ``dense``: the k-NN clause
    (dense_clause), added to the text score; an entry may match either (text None: dense
    only, the "dense" evaluation mode)."""
    priors = [
        {"filter": {"term": {"kind": kind}}, "weight": weight}
        for kind, weight in engine.KIND_PRIOR.items()
        if weight != 1.0
    ]
    scored = None
    if text is not None:
        scored = {
            "bool": {
                "must": [text],
                "should": [
                    {
                        "rank_feature": {
                            "field": "quality",
                            "saturation": {"pivot": 0.5},
                            "boost": QUALITY_BOOST,
                        }
                    }
                ],
                "_name": "words",
            }
        }
    if dense is not None:
        either = [clause for clause in (scored, dense) if clause is not None]
        scored = {"bool": {"should": either, "minimum_should_match": 1}}
    return {
        "function_score": {
            "query": scored,
            "functions": priors,
            "score_mode": "multiply",
            "boost_mode": "multiply",
        }
    }


SORT_ORDERS = {
    "neu": [{"published_at": {"order": "desc", "missing": "_last"}}, {"entry_id": "desc"}],
    "groesse": [{"population": {"order": "asc", "missing": "_last"}}, {"entry_id": "asc"}],
    "beginn": [{"period_start": {"order": "desc", "missing": "_last"}}, {"entry_id": "desc"}],
    "titel": [{"heading_sort": {"order": "asc", "unmapped_type": "keyword"}}, {"entry_id": "asc"}],
    "dokumentiert": [
        {"quality_value": {"order": "desc"}},
        {"published_at": {"order": "desc", "missing": "_last"}},
        {"entry_id": "desc"},
    ],
}


def _facet_filter(name, values):
    return {"terms": {FACET_FIELDS[name]: list(values)}}


def request_body(request, analyzed, highlight_in_engine=True, dense=None, words=True):
    """The one request of a search page. ``dense``: the k-NN clause of the query's meaning
    (dense_clause) fused with the words; ``words=False``: meaning only (evaluation)."""
    text = text_query(analyzed) if analyzed is not None and words else None
    if analyzed is not None and words and text is None:
        text = {"match_none": {}}  # only stopwords: nothing matches, as on the database path
    if text is None and dense is None and analyzed is not None:
        text = {"match_none": {}}
    filters = {name: _facet_filter(name, values) for name, values in request.filters.items()}
    aggregations = facet_aggregations(filters)
    if dense is not None and analyzed is not None:
        # Over the whole index (global): does the library know one of the query's words?
        aggregations[KNOWN_WORDS] = {
            "global": {},
            "aggs": {"matching": {"filter": known_words_query(analyzed)}},
        }
    scored = text is not None or dense is not None
    if request.sort == "relevanz" and scored:
        sort = ["_score", {"entry_id": "asc"}]
    else:
        sort = SORT_ORDERS.get(request.sort, SORT_ORDERS["neu"])
    query = ranked_query(text, dense) if scored else {"match_all": {}}
    if request.within:
        # In the query, not the post_filter: the scope applies to the hits and every count.
        query = {"bool": {"must": [query], "filter": [{"term": {"within": request.within}}]}}
    body = {
        "query": query,
        "post_filter": {"bool": {"filter": list(filters.values())}},
        "aggs": aggregations,
        "sort": sort,
        "from": (request.page - 1) * request.page_size,
        "size": request.page_size,
        "track_total_hits": True,
        "track_scores": True,
        "_source": SOURCE_FIELDS,
    }
    if request.query:
        # Words the library does not contain, with the closest word it does ("Meinten Sie").
        body["suggest"] = spelling_request(request.query)
    if request.query and highlight_in_engine:
        body["highlight"] = summary_highlight(request.query)
    return body


def facet_aggregations(filters):
    """Disjunctive facets: each facet counted under every filter but its own."""
    aggregations = {}
    for name, field in FACET_FIELDS.items():
        others = [clause for other, clause in filters.items() if other != name]
        aggregations[name] = {
            "filter": {"bool": {"filter": others}} if others else {"match_all": {}},
            "aggs": {"values": {"terms": {"field": field, "size": 1000}}},
        }
    return aggregations


def spelling_request(query):
    return {
        "text": query,
        "spelling": {
            "term": {
                "field": "spell",
                "suggest_mode": "missing",
                "min_word_length": SPELLING_MIN_LENGTH,
                "size": 1,
            }
        },
    }


def summary_highlight(query):
    return {
        "pre_tags": [MARK_START],
        "post_tags": [MARK_END],
        "fields": {
            "summary": {
                "number_of_fragments": 0,
                "highlight_query": {"match": {"summary": query}},
            }
        },
    }


# ---------------------------------------------------------------------------------------------
# Dense retrieval: the query's meaning next to its words, in the same request
# ---------------------------------------------------------------------------------------------

KNOWN_WORDS = "known_words"
# How much the closest meaning adds to a hit's score (0-1 within the window, times this), on
# top of the raw text score (about 5-40 for a good match, quality included). Tuned on
# tests/relevance/judgements.json on the emulator (README).
DENSE_BOOST = 6.0
# As on the database path: entries within DENSE_WINDOW (cosine) of the best match count, at
# most DENSE_LIMIT of them.
DENSE_WINDOW = fusion.DENSE_WINDOW
DENSE_LIMIT = fusion.DENSE_LIMIT
# Candidates (times DENSE_LIMIT) whose kind is read to weigh them (host_dense_scores).
DENSE_CANDIDATES = 4
# A server scores k-NN hits without knowing the best match's cosine before the request, so
# closeness counts from a fixed cosine there (e5-small: unrelated passages lie below about
# 0.80, the best match of a real query between about 0.84 and 0.92), over DENSE_RANGE.
DENSE_FLOOR = 0.82
DENSE_RANGE = 0.08
# "Ähnliche Fälle": closeness in meaning adds up to as much as a shared theme.
SIMILAR_BOOST = 2.0
SIMILAR_FLOOR = 0.85
SIMILAR_RANGE = fusion.SIMILAR_WINDOW
# k-NN candidates for related cases (the kind filter and the other signals pick from them).
RELATED_CANDIDATES = 50


def knn_query(field, vector, k):
    """A k-NN query on one vector field, in the server's dialect."""
    if backend_name().startswith("elasticsearch"):
        return {"knn": {"field": field, "query_vector": vector, "k": k, "num_candidates": 4 * k}}
    return {"knn": {field: {"vector": vector, "k": k}}}


def knn_clause(vector, k, floor, width, boost, name="meaning"):
    """The best of an entry's vectors (dis_max over the k-NN fields), as 0-1 from ``floor``
    to ``floor + width`` (cosine) times ``boost``. The servers score normalised vectors as
    1 + cos (OpenSearch, inner product) or (1 + cos) / 2 (Elasticsearch, dot_product)."""
    offset, scale = (0.5, 0.5) if backend_name().startswith("elasticsearch") else (1.0, 1.0)
    vector = np.round(np.asarray(vector, dtype=np.float32), 5).tolist()
    return {
        "script_score": {
            "query": {"dis_max": {"queries": [knn_query(f, vector, k) for f in VECTOR_FIELDS]}},
            "script": {
                "source": "Math.min(1.0, Math.max(0.0, (_score - params.low) / params.width))"
                " * params.boost",
                "params": {"low": offset + scale * floor, "width": scale * width, "boost": boost},
            },
            "_name": name,
        }
    }


def id_clause(scores, boost, name="meaning"):
    """Weighted entry ids ({entry id: 0-1}) as one should clause; None without any."""
    clauses = [
        {"constant_score": {"filter": {"term": {"entry_id": pk}}, "boost": boost * score}}
        for pk, score in sorted(scores.items())
        if score > 0
    ]
    if not clauses:
        return None
    return {"bool": {"should": clauses, "_name": name}}


def host_dense_scores(provider, vector):
    """{entry id: 0-1} within DENSE_WINDOW of the best match, from the host's vector matrix:
    the fallback for a server without k-NN queries (the emulator)."""
    matrix = vector_store.current_matrix(provider.model_id)
    if not matrix.size:
        return {}
    entry_ids, cosines = matrix.entry_scores(vector)
    # As on the database path, the kind prior weighs the cosines before the window is taken
    # (a guide close in meaning must not push the cases out of it): the kinds of the closest
    # candidates only, one small query.
    closest = fusion.top_positions(cosines, DENSE_CANDIDATES * DENSE_LIMIT)
    kinds = dict(
        SearchEntry.objects.filter(pk__in=entry_ids[closest].tolist()).values_list("pk", "kind")
    )
    priors = np.array(
        [engine.KIND_PRIOR.get(kinds.get(pk), 0.0) for pk in entry_ids[closest].tolist()],
        dtype=np.float32,
    )
    scores = cosines[closest] * priors
    scaled = (scores - (scores.max() - DENSE_WINDOW)) / DENSE_WINDOW
    best = fusion.top_positions(scaled, DENSE_LIMIT)
    best = best[scaled[best] > 0]
    return dict(zip(entry_ids[closest][best].tolist(), scaled[best].tolist(), strict=True))


def dense_clause(query, knn_in_engine):
    """The query's meaning as a clause of the search request: a k-NN query where the server
    has one, else the dense candidates of the host's matrix by id. None when the semantic
    search is off, has no vectors or fails (the search then runs on words only)."""
    provider = get_provider()
    if provider is None or not query:
        return None
    try:
        vector = fusion.query_vector(provider, query)
        if knn_in_engine:
            return knn_clause(vector, DENSE_LIMIT, DENSE_FLOOR, DENSE_RANGE, DENSE_BOOST)
        return id_clause(host_dense_scores(provider, vector), DENSE_BOOST)
    except Exception:
        logger.exception("Semantic search failed; searching on words only")
        return None


def knows_words(answer):
    matching = answer.get("aggregations", {}).get(KNOWN_WORDS, {}).get("matching", {})
    return matching.get("doc_count", 1) > 0


def engine_highlight(hit):
    fragments = hit.get("highlight", {}).get("summary")
    if not fragments:
        return html.escape(hit["_source"].get("summary") or "")
    escaped = html.escape(fragments[0])
    return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _hit(raw, root_path, highlighted=None):
    source = raw["_source"]
    url_path = source["url_path"]
    slug = url_path.rstrip("/").rsplit("/", 1)[-1]
    return engine.Hit(
        entry_id=source["entry_id"],
        page=engine.PageRef(
            source["page_id"], slug, _page_url(url_path, root_path), source["heading"]
        ),
        kind=source["kind"],
        summary=source.get("summary") or "",
        towns=list(source.get("towns") or []),
        states=list(source.get("states") or []),
        themes=list(source.get("theme_names") or []),
        score=round(float(raw.get("_score") or 0.0), 4),
        highlight=html.escape(source.get("summary") or "") if highlighted is None else highlighted,
    )


def _facets(request, ctx, aggregations):
    facets = {}
    for name in engine.FACETS:
        selected = request.filters.get(name, ())
        buckets = aggregations.get(name, {}).get("values", {}).get("buckets", [])
        counts = {str(bucket["key"]): bucket["doc_count"] for bucket in buckets}
        for value in selected:  # a selected value stays visible with 0 hits
            counts.setdefault(value, 0)
        values = [
            engine.FacetValue(value, ctx.label(name, value), count, value in selected)
            for value, count in counts.items()
            if count or value in selected
        ]
        values.sort(key=lambda v: (-v.count, v.label))
        facets[name] = values
    return facets


def spelling_suggestion(query, analyzed, suggestions):
    """The query with each misspelt word replaced by the server's closest word (in the case
    the user wrote it), or None. A word with synonyms is known, however rare it is here."""
    with_synonyms = {
        label.lower()
        for label, group in zip(analyzed.words, analyzed.groups, strict=True)
        if any(weight == WEIGHT_SYNONYM for _term, weight in group)
    }
    replaced, position, pieces = False, 0, []
    for entry in suggestions.get("spelling", []):
        options = entry.get("options")
        if not options or entry["text"].lower() in with_synonyms:
            continue
        word = options[0]["text"]
        written = query[entry["offset"] : entry["offset"] + entry["length"]]
        if written[:1].isupper():
            word = word[:1].upper() + word[1:]
        pieces += [query[position : entry["offset"]], word]
        position = entry["offset"] + entry["length"]
        replaced = True
    if not replaced:
        return None
    return "".join([*pieces, query[position:]])


def check_filter_values(ctx, filters):
    """Unknown facet values are a mistake in the request, not an empty result."""
    for name, values in filters.items():
        known = ctx.known_values(name)
        for value in values:
            if value not in known:
                raise engine.SearchError(
                    _("Unbekannter Wert „%(value)s“ für den Filter „%(name)s“.")
                    % {"value": value[:40], "name": name}
                )


def _results(answer, ctx, analyzed, in_engine):
    """The hits of an answer, highlighted by the server or here with the analyzer's terms."""
    if in_engine or analyzed is None:
        highlights = [engine_highlight(raw) for raw in answer["hits"]["hits"]]
    else:
        terms = analyzed.all_terms()
        highlights = [
            engine.highlight(raw["_source"].get("summary") or "", terms)
            for raw in answer["hits"]["hits"]
        ]
    return [
        _hit(raw, ctx.root_path, highlighted)
        for raw, highlighted in zip(answer["hits"]["hits"], highlights, strict=True)
    ]


def _ask(request, analyzed, shape=None):
    """The server's answer to the request (its body from ``request_body``, changed by
    ``shape`` if given), with the query's meaning where the semantic search is on: the body
    sent, the answer and whether the server highlighted the summaries."""
    # A server whose highlighter marks more than the matches (the emulator): the hits'
    # summaries are highlighted here with the analyzer's terms, as on the database path.
    found = capabilities()
    in_engine = found["highlight"]
    mode = fusion.current_mode()
    dense = None
    if analyzed is not None and mode != "lexical":
        dense = dense_clause(request.query, found.get("knn", False))
    shape = shape or (lambda body: body)
    body = shape(
        request_body(
            request,
            analyzed,
            highlight_in_engine=in_engine,
            dense=dense,
            words=dense is None or mode != "dense",
        )
    )
    answer = client().request("POST", f"/{alias()}/_search", body)
    if dense is not None and not knows_words(answer):
        # No word of the query is in the library ("Quantencomputer"): words only, as on
        # the database path, rather than whatever is nearest in meaning. One request
        # more, for such queries only.
        body = shape(request_body(request, analyzed, highlight_in_engine=in_engine))
        answer = client().request("POST", f"/{alias()}/_search", body)
    return body, answer, in_engine


def search(request, log=False):
    """One search page from the server; the database answers if the server is unreachable."""
    started = time.perf_counter()
    ctx = context()
    check_filter_values(ctx, request.filters)
    if request.page * request.page_size > MAX_RESULT_WINDOW:
        raise engine.SearchError(
            _("Es lassen sich nur die ersten %d Treffer blättern; bitte die Suche eingrenzen.")
            % MAX_RESULT_WINDOW
        )
    analyzed = ctx.analyzer.analyze_query(request.query) if request.query else None
    try:
        _body, answer, in_engine = _ask(request, analyzed)
    except UNAVAILABLE:
        logger.exception("Search server unreachable; falling back to the database")
        response = engine.search(request, backend="database", log=log)
        response.backend += " (fallback)"
        return response
    results = _results(answer, ctx, analyzed, in_engine)
    count = answer["hits"]["total"]["value"]
    promotions = engine._promotions(request.query) if request.query and request.page == 1 else []
    response = engine.SearchResponse(
        request=request,
        count=count,
        results=results,
        facets=_facets(request, ctx, answer.get("aggregations", {})),
        suggestion=spelling_suggestion(request.query, analyzed, answer.get("suggest", {}))
        if analyzed is not None
        else None,
        promotions=promotions,
        backend=f"engine ({config().get('BACKEND', 'opensearch3')})",
        took_ms=(time.perf_counter() - started) * 1000,
        analyzed=analyzed,
    )
    if log and request.query and request.page == 1:
        from ..stats import record_query  # stats imports engine (circular at app loading)

        record_query(request.query, count)
    return response


# How long a server keeps a scroll open between two of its requests (page_ids by score).
SCROLL_KEEP_ALIVE = "1m"


def id_batch():
    """Hits per request when every match is read (``page_ids``): SEARCH_ENGINE_ID_BATCH,
    at most the server's result window."""
    return max(1, min(getattr(settings, "SEARCH_ENGINE_ID_BATCH", 5000), MAX_RESULT_WINDOW))


def _ids_only(body):
    """A search body that returns page ids only, ``id_batch()`` of them, with the sort values
    ``search_after`` continues from: no facets, highlights, spelling or scores beyond the
    sort (the global ``known_words`` aggregation stays for the first request)."""
    shaped = {key: body[key] for key in ("query", "post_filter", "sort")}
    if KNOWN_WORDS in body.get("aggs", {}):
        shaped["aggs"] = {KNOWN_WORDS: body["aggs"][KNOWN_WORDS]}
    shaped.update(size=id_batch(), _source=["page_id"], track_total_hits=True)
    return shaped


def page_ids(request):
    """The page ids of every entry the request matches, in its order (search.engine.page_ids
    on the server), ``id_batch()`` per request. N matches cost one request up to the batch
    size, beyond it about ceil(N / batch) (see ``_following_ids``), without the result window
    that limits paging by ``from``. The database answers if the server is unreachable."""
    ctx = context()
    check_filter_values(ctx, request.filters)
    analyzed = ctx.analyzer.analyze_query(request.query) if request.query else None
    try:
        body, answer, _in_engine = _ask(request, analyzed, shape=_ids_only)
        ids = [raw["_source"]["page_id"] for raw in answer["hits"]["hits"]]
        total = answer["hits"]["total"]["value"]
        if len(ids) >= total:
            return ids
        body = {key: value for key, value in body.items() if key != "aggs"}
        return _following_ids(body, ids, answer, total)
    except UNAVAILABLE:
        logger.exception("Search server unreachable; falling back to the database")
        return engine.page_ids(request, backend="database")


def _following_ids(body, ids, answer, total):
    """The rest of the ids after the first batch. Ordered by fields (every sort of a listing
    ends with ``entry_id``, so the order is total): each request continues after the sort
    values of the last hit before (``search_after``), ceil(N / batch) requests in all. Ordered
    by score: one scroll from the start (ceil(N / batch) requests more, and one to close it),
    since a score need not survive the way back as a ``search_after`` value (the emulator
    rounds it to six decimals, and hits at a batch's edge came twice or not at all)."""
    if body["sort"][0] == "_score":
        return _scrolled_ids(body, total)
    body["track_total_hits"] = False
    while True:
        hits = answer["hits"]["hits"]
        if not hits or len(ids) >= total:
            return ids
        body["search_after"] = hits[-1]["sort"]
        answer = client().request("POST", f"/{alias()}/_search", body)
        ids.extend(raw["_source"]["page_id"] for raw in answer["hits"]["hits"])


def _scrolled_ids(body, total):
    ids = []
    answer = client().request("POST", f"/{alias()}/_search?scroll={SCROLL_KEEP_ALIVE}", body)
    scroll_id = answer.get("_scroll_id")
    try:
        while True:
            hits = answer["hits"]["hits"]
            ids.extend(raw["_source"]["page_id"] for raw in hits)
            if not hits or len(ids) >= total:
                return ids
            answer = client().request(
                "POST", "/_search/scroll", {"scroll": SCROLL_KEEP_ALIVE, "scroll_id": scroll_id}
            )
            scroll_id = answer.get("_scroll_id", scroll_id)
    finally:
        if scroll_id:
            client().request("DELETE", "/_search/scroll", {"scroll_id": [scroll_id]})


# ---------------------------------------------------------------------------------------------
# Autocomplete
# ---------------------------------------------------------------------------------------------


def _label_matches(words, label):
    label_words = fold(label).replace("-", " ").split()
    return all(any(lw.startswith(w) for lw in label_words) for w in words)


def autocomplete(text, limit=8):
    """Titles, towns, tags and themes whose words start with what was typed: one request,
    the titles from the hits, the towns, tags and themes from aggregations over them."""
    words = fold(text).replace("-", " ").split()
    if not words or len(text) > engine.MAX_QUERY_LENGTH:
        return []
    ctx = context()
    body = {
        "query": {"bool": {"filter": [{"prefix": {"suggest": word}} for word in words]}},
        "size": 50,
        "sort": [{"entry_id": "asc"}],
        "_source": ["heading", "url_path"],
        "aggs": {
            field: {"terms": {"field": field, "size": AUTOCOMPLETE_BUCKETS}}
            for field in ("towns", "tags", "themes")
        },
    }
    try:
        answer = client().request("POST", f"/{alias()}/_search", body)
    except UNAVAILABLE:
        logger.exception("Search server unreachable; no autocomplete")
        return []
    labels = {}
    for raw in answer["hits"]["hits"]:
        heading = raw["_source"]["heading"]
        if _label_matches(words, heading):
            labels.setdefault(
                ("titel", heading), _page_url(raw["_source"]["url_path"], ctx.root_path)
            )
    aggregations = answer.get("aggregations", {})
    for field, kind in (("towns", "ort"), ("tags", "schlagwort")):
        for bucket in aggregations.get(field, {}).get("buckets", []):
            if _label_matches(words, bucket["key"]):
                labels.setdefault((kind, bucket["key"]), "/suche/?q=" + quote(bucket["key"]))
    for bucket in aggregations.get("themes", {}).get("buckets", []):
        name = ctx.theme_labels.get(bucket["key"])
        if name and _label_matches(words, name):
            labels.setdefault(("thema", name), f"/suche/?thema={bucket['key']}")
    ranked = sorted(
        labels.items(),
        key=lambda item: (
            not fold(item[0][1]).startswith(words[0]),
            engine.AUTOCOMPLETE_KIND_ORDER[item[0][0]],
            len(item[0][1]),
        ),
    )
    return [engine.Suggestion(label, kind, url) for (kind, label), url in ranked[:limit]]


# ---------------------------------------------------------------------------------------------
# Related cases
# ---------------------------------------------------------------------------------------------


def _constant(field, value, boost):
    return {"constant_score": {"filter": {"term": {field: value}}, "boost": boost}}


def similar_clause(entry):
    """Closeness in meaning to ``entry`` (up to SIMILAR_BOOST, as much as a shared theme, as
    on the database path): a k-NN query with the mean of the entry's vectors where the server
    has one, else the host matrix's closest entries by id. None without vectors."""
    provider = get_provider()
    if provider is None:
        return None
    try:
        if capabilities().get("knn", False):
            rows = entry_vectors([entry.pk], provider.model_id).get(entry.pk)
            if not rows:
                return None
            mean = np.mean(rows, axis=0)
            mean /= np.linalg.norm(mean) or 1.0
            return knn_clause(
                mean, RELATED_CANDIDATES, SIMILAR_FLOOR, SIMILAR_RANGE, SIMILAR_BOOST, "similar"
            )
        return id_clause(fusion.similar_to_entry(entry.pk), SIMILAR_BOOST, "similar")
    except Exception:
        logger.exception("Semantic similarity failed; related cases without it")
        return None


def related_body(entry, limit, similar=None):
    """Entries of the same kind sharing themes, tags or words with ``entry`` or close to it
    in meaning (``similar``, see similar_clause); more so in the same town, size class and
    state, and the better documented."""
    shared = [_constant("themes", theme, 2.0) for theme in _split(entry.themes)]
    if similar is not None:
        shared.append(similar)
    shared += [_constant("tags_folded", fold(tag), 1.5) for tag in _split(entry.tags, "|")]
    terms = " ".join(sorted(set(entry.title.split()) | set(entry.key_terms.split())))
    if terms:
        shared.append({"match": {"key_terms": {"query": terms, "boost": 0.3}}})
        shared.append({"match": {"title": {"query": terms, "boost": 0.3}}})
    profile = [_constant("towns", town, 2.0) for town in _split(entry.towns, "|")]
    profile += [_constant("size_classes", size, 1.0) for size in _split(entry.size_classes)]
    profile += [_constant("states", state, 0.5) for state in _split(entry.states)]
    profile.append({"rank_feature": {"field": "quality", "linear": {}, "boost": 1.5}})
    return {
        "query": {
            "bool": {
                "filter": [{"term": {"kind": entry.kind}}],
                "must_not": [{"term": {"entry_id": entry.pk}}],
                "must": [{"bool": {"should": shared or [{"match_none": {}}]}}],
                "should": profile,
            }
        },
        "sort": ["_score", {"entry_id": "asc"}],
        "size": limit,
        "_source": SOURCE_FIELDS,
    }


def related(page_id, limit=3):
    """Cases like the given one (see related_body), with the reasons shown on the card."""
    entry = SearchEntry.objects.filter(page_id=page_id).first()
    if entry is None:
        return []
    ctx = context()
    try:
        body = related_body(entry, limit, similar_clause(entry))
        answer = client().request("POST", f"/{alias()}/_search", body)
    except UNAVAILABLE:
        logger.exception("Search server unreachable; no related cases")
        return []
    themes = set(_split(entry.themes))
    towns = set(_split(entry.towns, "|"))
    sizes = set(_split(entry.size_classes))
    states = set(_split(entry.states))
    recommendations = []
    for raw in answer["hits"]["hits"]:
        source = raw["_source"]
        reasons = [ctx.label("thema", t) for t in sorted(themes & set(source.get("themes") or []))]
        if towns & set(source.get("towns") or []):
            reasons.insert(0, str(_("gleicher Ort")))
        if sizes & set(source.get("size_classes") or []):
            reasons.append(str(_("gleiche Stadtgröße")))
        if states & set(source.get("states") or []):
            reasons.append(str(_("gleiches Bundesland")))
        hit = _hit(raw, ctx.root_path)
        recommendations.append(engine.Recommendation(hit, round(hit.score, 3), reasons))
    return recommendations


# ---------------------------------------------------------------------------------------------
# Cases from places like mine
# ---------------------------------------------------------------------------------------------

SIZE_ORDER = [choice.value for choice in SizeClass]
# Candidates fetched per case shown when nearness re-ranks them (it is not in the index).
NEARNESS_CANDIDATES = 5


def size_distance(size_class, classes):
    """0 for a shared size class, 1 for a neighbouring one, None without classes."""
    if size_class not in SIZE_ORDER:
        return None
    at = SIZE_ORDER.index(size_class)
    distances = [abs(SIZE_ORDER.index(c) - at) for c in classes if c in SIZE_ORDER]
    return min(distances, default=None)


def size_functions(population):
    """Score functions of the size class: the same 3, a neighbouring one 1.5."""
    size_class = size_class_for(population)
    at = SIZE_ORDER.index(size_class) if size_class in SIZE_ORDER else None
    neighbours = [
        SIZE_ORDER[i] for i in (at - 1, at + 1) if at is not None and 0 <= i < len(SIZE_ORDER)
    ]
    same = {"terms": {"size_classes": [size_class]}}
    functions = [{"filter": same, "weight": 3.0}]
    if neighbours:
        functions.append(
            {
                "filter": {
                    "bool": {
                        "filter": [{"terms": {"size_classes": neighbours}}],
                        "must_not": [same],
                    }
                },
                "weight": 1.5,
            }
        )
    return functions


def places_like_body(population, state, themes, size, similar=None):
    """Cases scored as search.engine.places_like scores them: same size class 3, neighbouring
    1.5, population within a factor of 4 up to 1 (log scale, linear), same state 1, each
    chosen theme 2, quality up to 1, and ``similar`` ({entry id: 0-1}, closeness in meaning to
    the chosen themes) up to 1."""
    functions = size_functions(population)
    if population:
        functions.append(
            {
                "filter": {"exists": {"field": "log_population"}},
                "linear": {
                    "log_population": {
                        "origin": math.log(population),
                        "scale": math.log(4) / 2,
                        "decay": 0.5,
                    }
                },
            }
        )
    if state:
        functions.append({"filter": {"term": {"states": state}}, "weight": 1.0})
    functions += [{"filter": {"term": {"themes": theme}}, "weight": 2.0} for theme in themes]
    functions.append({"field_value_factor": {"field": "quality_value", "missing": 0}})
    functions += [
        {"filter": {"term": {"entry_id": pk}}, "weight": closeness}
        for pk, closeness in sorted((similar or {}).items())
        if closeness > 0
    ]
    filters = [{"term": {"kind": "case"}}, {"exists": {"field": "size_classes"}}]
    if themes:
        filters.append({"terms": {"themes": list(themes)}})
    return {
        "query": {
            "function_score": {
                "query": {"bool": {"filter": filters}},
                "functions": functions,
                "score_mode": "sum",
                "boost_mode": "replace",
            }
        },
        "sort": ["_score", {"entry_id": "asc"}],
        "size": size,
        "_source": [*SOURCE_FIELDS, "population"],
    }


def places_like(population, state=None, themes=(), limit=10, point=None, locations=None):
    """search.engine.places_like in one request; nearness (the towns' points come from the
    caller) re-ranks the best candidates here."""
    ctx = context()
    themes = sorted(set(themes))
    nearness = point is not None and bool(locations)
    size = limit * NEARNESS_CANDIDATES if nearness else limit
    # With chosen themes, closeness in meaning to them is one more signal, as on the database
    # path (from the host's vector matrix: a per-entry weight, not a k-NN ranking).
    similar = (
        fusion.similar_to_text(", ".join(ctx.label("thema", theme) for theme in themes))
        if themes
        else {}
    )
    try:
        answer = client().request(
            "POST",
            f"/{alias()}/_search",
            places_like_body(population, state, themes, size, similar),
        )
    except UNAVAILABLE:
        logger.exception("Search server unreachable; no places like mine")
        return []
    size_class = size_class_for(population)
    scored = []
    for raw in answer["hits"]["hits"]:
        source = raw["_source"]
        score = float(raw.get("_score") or 0.0)
        reasons = []
        distance = size_distance(size_class, source.get("size_classes") or [])
        if distance == 0:
            reasons.append(str(_("gleiche Stadtgröße")))
        elif distance == 1:
            reasons.append(str(_("ähnliche Stadtgröße")))
        if state and state in (source.get("states") or []):
            reasons.append(str(_("gleiches Bundesland")))
        shared = sorted(set(themes) & set(source.get("themes") or []))
        reasons.extend(ctx.label("thema", theme) for theme in shared)
        if nearness and locations.get(source["page_id"]):
            km = min(engine.distance_km(point, other) for other in locations[source["page_id"]])
            score += max(0.0, 1.0 - km / 200)
            if km < 1:
                reasons.append(str(_("am selben Ort")))
            elif km < 100:
                reasons.append(str(_("%(km)d km entfernt")) % {"km": round(km)})
        scored.append((score, source["heading"], raw, reasons))
    scored.sort(key=lambda item: (-item[0], item[1]))
    recommendations = []
    for score, _heading, raw, reasons in scored[:limit]:
        hit = _hit(raw, ctx.root_path)
        hit.score = round(score, 4)
        recommendations.append(engine.Recommendation(hit, round(score, 3), reasons))
    return recommendations
