"""Dense retrieval on the engine path (search/engines/server.py, issue 16) against the
OpenSearch emulator (osmem-server).

The documents carry the passage vectors in k-NN fields and a search sends its query's meaning
in the same request as its words. The emulator stores ``knn_vector`` fields but has no k-NN
query ("[knn] query is not supported by osmem"), no ``cosineSimilarity`` script, no
``hybrid`` query and no search pipelines: the engine path detects that and sends the dense
candidates of the host's vector matrix as weighted ids instead (still one request). The
k-NN request a real server gets is asserted as a body below.
"""

import opensearchpy
import pytest

from search import engine
from search.engine import SearchRequest, search
from search.engines import server
from search.engines.server import EngineConsumer
from search.index_settings import VECTOR_FIELDS, index_body, search_engine
from search.models import SearchEntry
from search.semantic import store
from search.semantic.provider import get_provider

from .semantic_helpers import index_entries

PROBLEM = "unsere Hausärzte gehen bald in Rente und niemand übernimmt die Praxen"
PROBLEM_CASE = "kusel-mvz-gemeindeschwester"


def slugs(response):
    return [hit.page.slug for hit in response.results]


@pytest.fixture
def engine_with_vectors(osmem_url, settings):
    """Every entry embedded (as the outbox does), then indexed into the emulator."""
    index_entries()
    settings.SEARCH_ENGINE = search_engine(osmem_url, index="test")
    EngineConsumer().rebuild()
    store.reset_matrix()
    return osmem_url


@pytest.fixture
def requests_sent(monkeypatch):
    sent = []
    original = opensearchpy.Urllib3HttpConnection.perform_request

    def counting(self, method, url, *args, **kwargs):
        sent.append((method, url))
        return original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(opensearchpy.Urllib3HttpConnection, "perform_request", counting)
    return sent


def test_index_body_has_k_nn_fields_per_server():
    opensearch = index_body(vector_dim=384, backend="opensearch3")
    assert opensearch["settings"]["index"] == {"knn": True}
    for field in VECTOR_FIELDS:
        mapping = opensearch["mappings"]["properties"][field]
        assert mapping["type"] == "knn_vector" and mapping["dimension"] == 384
        assert mapping["method"]["space_type"] == "innerproduct"
    elastic = index_body(vector_dim=384, backend="elasticsearch8")
    assert "index" not in elastic["settings"]
    assert elastic["mappings"]["properties"][VECTOR_FIELDS[0]] == {
        "type": "dense_vector",
        "dims": 384,
        "index": True,
        "similarity": "dot_product",
    }
    assert VECTOR_FIELDS[0] not in index_body()["mappings"]["properties"]


@pytest.mark.django_db
def test_documents_carry_the_stored_passage_vectors(engine_with_vectors):
    provider = get_provider()
    entry = SearchEntry.objects.get(url_path__endswith=f"/{PROBLEM_CASE}/")
    stored = server.entry_vectors([entry.pk], provider.model_id)[entry.pk]
    assert len(stored) == 3  # title and summary, key facts, the story's mean
    mapping = server.client().request("GET", f"/{server.alias()}/_mapping")
    properties = next(iter(mapping.values()))["mappings"]["properties"]
    assert properties[VECTOR_FIELDS[0]]["type"] == "knn_vector"
    assert properties[VECTOR_FIELDS[0]]["dimension"] == provider.dim
    document = server.client().request("GET", f"/{server.alias()}/_doc/{entry.pk}")["_source"]
    for field, row in zip(VECTOR_FIELDS, stored, strict=True):
        assert len(document[field]) == provider.dim
        assert max(abs(a - b) for a, b in zip(document[field], row.tolist(), strict=True)) < 1e-4


@pytest.mark.django_db
def test_the_emulator_has_no_k_nn_query_and_the_fallback_finds_by_meaning(
    engine_with_vectors, requests_sent
):
    """Named: the emulator rejects the k-NN query, so the probe says knn False; the words
    alone miss the case a problem description means, the fused request finds it first."""
    assert server.probe_capabilities()["knn"] is False
    server.capabilities()
    requests_sent.clear()
    response = search(SearchRequest(query=PROBLEM))
    assert slugs(response)[0] == PROBLEM_CASE
    assert requests_sent == [("POST", "/test/_search")]
    with server.fusion.ranking_mode("lexical"):
        assert PROBLEM_CASE not in slugs(search(SearchRequest(query=PROBLEM)))[:1]


@pytest.mark.django_db
def test_filters_facets_and_totals_apply_to_the_fused_list(engine_with_vectors):
    everything = search(SearchRequest(query=PROBLEM, page_size=50))
    assert everything.count == len(everything.results) > 0  # all on one page
    states = {value.value: value.count for value in everything.facets["land"]}
    state = next(h for h in everything.results if h.page.slug == PROBLEM_CASE).states[0]
    chosen = {h.entry_id for h in everything.results if state in h.states}
    filtered = search(SearchRequest(query=PROBLEM, filters={"land": [state]}, page_size=50))
    assert {h.entry_id for h in filtered.results} == chosen
    assert filtered.count == states[state] == len(chosen)


@pytest.mark.django_db
def test_unknown_words_find_nothing_rather_than_the_nearest(engine_with_vectors, requests_sent):
    """As on the database path: no word of the query in the library, no results from the
    meaning alone (one request more for such queries)."""
    server.capabilities()
    requests_sent.clear()
    response = search(SearchRequest(query="Quantencomputer Supraleiter"))
    assert response.count == 0 and response.results == []
    assert len(requests_sent) == 2


@pytest.mark.django_db
def test_related_cases_use_closeness_in_meaning(engine_with_vectors, demo_site, requests_sent):
    case = demo_site.case(PROBLEM_CASE)
    entry = SearchEntry.objects.get(page_id=case.pk)
    similar = server.similar_clause(entry)
    assert similar["bool"]["_name"] == "similar" and similar["bool"]["should"]
    server.capabilities()
    requests_sent.clear()
    recommendations = engine.related(case.pk, limit=3)
    assert len(recommendations) == 3 and len(requests_sent) == 1
    assert case.pk not in {r.hit.page.id for r in recommendations}
    closest = set(server.fusion.similar_to_entry(entry.pk))
    assert {r.hit.entry_id for r in recommendations} & closest


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["opensearch3", "elasticsearch8"])
def test_the_k_nn_request_a_real_server_gets(engine_with_vectors, settings, backend):
    """Where the server has a k-NN query (OpenSearch, Elasticsearch), the query's meaning is a
    k-NN clause over the three vector fields in the one search request, beside the words,
    under the same post_filter and aggregations. The emulator cannot run it: the body is
    asserted."""
    settings.SEARCH_ENGINE = {**settings.SEARCH_ENGINE, "BACKEND": backend}
    request = SearchRequest(query=PROBLEM, filters={"land": ["RP"]})
    analyzed = server.context().analyzer.analyze_query(request.query)
    dense = server.dense_clause(request.query, knn_in_engine=True)
    body = server.request_body(request, analyzed, dense=dense)
    either = body["query"]["function_score"]["query"]["bool"]
    assert either["minimum_should_match"] == 1
    words, meaning = either["should"]
    assert words["bool"]["_name"] == "words"
    knn = meaning["script_score"]["query"]["dis_max"]["queries"]
    assert len(knn) == len(VECTOR_FIELDS)
    if backend.startswith("elasticsearch"):
        assert [q["knn"]["field"] for q in knn] == list(VECTOR_FIELDS)
        assert len(knn[0]["knn"]["query_vector"]) == get_provider().dim
        assert meaning["script_score"]["script"]["params"]["low"] == pytest.approx(
            0.5 + 0.5 * server.DENSE_FLOOR
        )
    else:
        assert [next(iter(q["knn"])) for q in knn] == list(VECTOR_FIELDS)
        assert len(knn[0]["knn"][VECTOR_FIELDS[0]]["vector"]) == get_provider().dim
        assert knn[0]["knn"][VECTOR_FIELDS[0]]["k"] == server.DENSE_LIMIT
    assert body["post_filter"] == {"bool": {"filter": [{"terms": {"states": ["RP"]}}]}}
    assert body["aggs"][server.KNOWN_WORDS]["global"] == {}
    assert body["track_total_hits"] is True


@pytest.mark.django_db
def test_a_change_reaches_the_engine_with_its_new_vectors(engine_with_vectors):
    """The engine's consumer runs after the semantic one (consumer order), so the document
    written for a change carries the vectors computed for the same change."""
    provider = get_provider()
    entry = SearchEntry.objects.get(url_path__endswith=f"/{PROBLEM_CASE}/")
    before = server.client().request("GET", f"/{server.alias()}/_doc/{entry.pk}")["_source"]
    entry.summary = "Eine Gemeindeschwester besucht ältere Menschen zu Hause."
    entry.save()
    index_entries([entry.pk])  # what the outbox does after the commit
    stored = server.entry_vectors([entry.pk], provider.model_id)[entry.pk][0]
    after = server.client().request("GET", f"/{server.alias()}/_doc/{entry.pk}")["_source"]
    assert after["summary"] == entry.summary
    assert after[VECTOR_FIELDS[0]] != before[VECTOR_FIELDS[0]]
    assert max(abs(a - b) for a, b in zip(after[VECTOR_FIELDS[0]], stored, strict=True)) < 1e-4


@pytest.mark.django_db
def test_places_like_mine_with_meaning_ranks_as_the_database_path(engine_with_vectors, settings):
    """With chosen themes, closeness in meaning to them is one more signal on both paths."""

    def ranked():
        return [
            (r.hit.page.slug, r.score, r.reasons)
            for r in engine.places_like(25000, "BY", ["wohnen"], limit=8)
        ]

    on_the_engine = ranked()
    engine_setting = settings.SEARCH_ENGINE
    settings.SEARCH_ENGINE = None
    on_the_database = ranked()
    assert [slug for slug, *_rest in on_the_engine] == [slug for slug, *_ in on_the_database]
    for (_slug, score, reasons), (_same, expected, expected_reasons) in zip(
        on_the_engine, on_the_database, strict=True
    ):
        assert score == pytest.approx(expected, abs=2e-3) and reasons == expected_reasons
    # The closeness reaches the request as one weight per close entry.
    settings.SEARCH_ENGINE = engine_setting
    assert server.fusion.similar_to_text("Wohnen")
    with_meaning = server.places_like_body(25000, "BY", ["wohnen"], 8, {1: 0.5})
    assert {"filter": {"term": {"entry_id": 1}}, "weight": 0.5} in (
        with_meaning["query"]["function_score"]["functions"]
    )
