"""The engine path (search/engines/) against the OpenSearch emulator (osmem-server): one
request per search page, facets from aggregations, exact totals, sort and paging, highlights,
autocomplete, related cases, indexing through the consumer and the alias switch of a rebuild.

"The emulator" is not a real OpenSearch: where it lacks a feature the engine path relies on,
the test below names it and checks that the fallback answers (see the README).
"""

import math
from dataclasses import replace
from io import StringIO

import opensearchpy
import pytest
from django.core.management import CommandError, call_command

from casestudies.filters import CaseFilter
from search import consumers, engine
from search.engine import SearchRequest, search
from search.engines import server
from search.engines.server import EngineConsumer
from search.index_settings import search_engine
from search.models import SearchEntry, database_now
from tests.library_helpers import (
    MOVED,
    add_second_library,
    case_ids_below,
    facet_counts_of,
    facet_counts_of_entries,
    shown_counts,
)


def slugs(response):
    return [hit.page.slug for hit in response.results]


@pytest.fixture
def engine_path(osmem_url, settings):
    """SEARCH_ENGINE pointing at a fresh clone of the emulator, every entry indexed."""
    settings.SEARCH_ENGINE = search_engine(osmem_url, index="test")
    EngineConsumer().rebuild()
    return osmem_url


@pytest.fixture
def requests_sent(monkeypatch):
    """The HTTP requests the client sends, as (method, path)."""
    sent = []
    original = opensearchpy.Urllib3HttpConnection.perform_request

    def counting(self, method, url, *args, **kwargs):
        sent.append((method, url))
        return original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(opensearchpy.Urllib3HttpConnection, "perform_request", counting)
    return sent


def all_entry_ids(request_kwargs):
    """Every entry the search returns, page by page."""
    ids, page = [], 1
    while True:
        response = search(SearchRequest(page=page, page_size=50, **request_kwargs))
        ids += [hit.entry_id for hit in response.results]
        if page >= response.num_pages:
            return ids, response
        page += 1


@pytest.mark.django_db
def test_one_request_per_search_page_autocomplete_and_related(
    engine_path, requests_sent, demo_site
):
    # What the server can do is probed once per server and alias (after the rebuild here).
    server.capabilities()
    assert requests_sent == []
    response = search(
        SearchRequest(query="Bürgerrat Klimaschutz", filters={"land": ["ST"]}, sort="relevanz")
    )
    assert response.backend.startswith("engine")
    assert response.results and response.facets["land"]
    assert requests_sent == [("POST", "/test/_search")]

    search(SearchRequest(query="Beteiligung", page=2, sort="neu"))
    assert len(requests_sent) == 2
    assert engine.autocomplete("Oster")
    assert len(requests_sent) == 3
    assert engine.related(demo_site.case("osterburg-buergerrat-klimaschutz").pk)
    assert len(requests_sent) == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"query": "Beteiligung"},
        {"query": "Beteiligung", "filters": {"land": ["ST", "BY"]}},
        {"query": "Dorfladen Genossenschaft", "filters": {"status": ["laufend"]}},
        {"filters": {"thema": ["wohnen"], "groesse": ["kleine-kleinstadt", "landgemeinde"]}},
    ],
)
def test_facet_counts_from_aggregations_equal_the_database(engine_path, request_kwargs):
    ids, response = all_entry_ids(request_kwargs)
    assert response.count == len(ids) == len(set(ids)) > 0
    selected = request_kwargs.get("filters", {})
    for facet, values in response.facets.items():
        # A facet counts the entries that match the query and every other facet's filter.
        others = {name: chosen for name, chosen in selected.items() if name != facet}
        base_ids, _ = all_entry_ids({**request_kwargs, "filters": others})
        expected = facet_counts_of_entries(SearchEntry.objects.filter(pk__in=base_ids), facet)
        shown = {value.value: value.count for value in values if value.count}
        assert shown == expected, facet


@pytest.mark.django_db
def test_exact_totals_beyond_ten_thousand_hits(engine_path):
    """10,001 small documents straight into the index (one bulk request): the total is
    exact, not 10,000."""
    term = engine.document_analyzer().index_terms("Massentest")[0]
    template = SearchEntry.objects.filter(kind="case").first()
    # A case's document without its long texts: the emulator analyses every text field of
    # each copy, and the count does not depend on them.
    small = {"heading": "Massentest", "summary": "", "text": "", "key_terms": "", "spell": ""}
    small.update(body_terms="", suggest="massentest", title=term, states=["SL"], towns=[])
    base = {**server.document(template), **small}
    documents = []
    for number in range(10_001):
        document = {**base, "entry_id": 10_000_000 + number}
        documents.append({"_index": "test", "_id": document["entry_id"], "_source": document})
    server.client().bulk(documents, refresh=True)

    response = search(SearchRequest(query="Massentest", page_size=5))
    assert response.count == 10_001
    assert {v.value: v.count for v in response.facets["land"]} == {"SL": 10_001}
    everything = search(SearchRequest(page_size=1))
    assert everything.count == SearchEntry.objects.count() + 10_001
    with pytest.raises(engine.SearchError):
        search(SearchRequest(query="Massentest", page=1001, page_size=10))


@pytest.mark.django_db
def test_sort_and_paging_in_the_engine(engine_path):
    by_size = search(SearchRequest(filters={"thema": ["wohnen"]}, sort="groesse", page_size=50))
    populations = dict(SearchEntry.objects.values_list("pk", "population"))
    shown = [populations[hit.entry_id] for hit in by_size.results]
    known = [p for p in shown if p is not None]
    assert known == sorted(known) and shown[: len(known)] == known  # no population: last

    first = search(SearchRequest(query="Beteiligung", page_size=5))
    second = search(SearchRequest(query="Beteiligung", page=2, page_size=5))
    assert first.count == second.count > 10
    assert not {h.entry_id for h in first.results} & {h.entry_id for h in second.results}


@pytest.mark.django_db
def test_title_sort_is_the_same_in_the_engine_and_the_database(engine_path):
    """The library's "Titel A–Z": the same cases in the same order on both paths."""
    request = SearchRequest(filters={"art": ["case"]}, sort="titel", page_size=50)
    in_engine = [hit.entry_id for hit in search(request).results]
    in_database = [hit.entry_id for hit in search(request, backend="database").results]
    assert len(in_engine) > 10 and in_engine == in_database


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected", "within"),
    [
        ("Bürgerräte", "osterburg-buergerrat-klimaschutz", 1),
        ("Buergerrat", "osterburg-buergerrat-klimaschutz", 1),
        ("Bürgerat", "osterburg-buergerrat-klimaschutz", 1),
        ("Wohnungsbau", "istag-muensterland-wohnungsbaugesellschaft", 1),
        ("Wie finden wir Teilnehmer für einen Bürgerrat?", "osterburg-buergerrat-klimaschutz", 1),
        ("citizens' assembly", "osterburg-buergerrat-klimaschutz", 1),
        ("Coworkng", "stalabo-stadtlabor-kleinstadt-coworking", 3),
    ],
)
def test_finds_the_model_case_first(engine_path, query, expected, within):
    assert expected in slugs(search(SearchRequest(query=query)))[:within]


@pytest.mark.django_db
def test_what_the_emulator_lacks_is_detected_and_the_fallback_highlights(engine_path):
    """The emulator runs the German analysis of the index settings (decompounder,
    german_normalization, synonym_graph), but its highlighter marks every word of a matching
    field. The engine path detects that and highlights the summaries with the analyzer's
    terms instead, as the database path does."""
    assert server.probe_capabilities() == {
        "dictionary_decompounder": True,
        "german_normalization": True,
        "synonym_graph": True,
        "highlight": False,  # the emulator: every word of the field marked
        "knn": False,  # the emulator: "[knn] query is not supported by osmem"
    }
    entry = SearchEntry.objects.get(url_path__endswith="/osterburg-buergerrat-klimaschutz/")
    entry.summary = "Ein <b>Bürgerrat</b> & mehr"
    entry.save()
    consumers.notify(changed_ids=[entry.pk])
    hit = next(
        h for h in search(SearchRequest(query="Bürgerräte")).results if h.entry_id == entry.pk
    )
    assert hit.highlight == "Ein &lt;b&gt;<mark>Bürgerrat</mark>&lt;/b&gt; &amp; mehr"


def test_highlights_from_the_engine_are_escaped():
    """A server that highlights (OpenSearch, Elasticsearch): its fragments are escaped, and
    only its markers become <mark>."""
    raw = {
        "_source": {"summary": "Ein <b>Bürgerrat</b> & mehr"},
        "highlight": {
            "summary": [f"Ein <b>{server.MARK_START}Bürgerrat{server.MARK_END}</b> & mehr"]
        },
    }
    expected = "Ein &lt;b&gt;<mark>Bürgerrat</mark>&lt;/b&gt; &amp; mehr"
    assert server.engine_highlight(raw) == expected
    assert server.engine_highlight({"_source": {"summary": "a < b"}}) == "a &lt; b"


@pytest.mark.django_db
def test_suggestion_for_a_misspelt_query(engine_path):
    response = search(SearchRequest(query="Osterbrug"))
    assert response.suggestion and response.suggestion.lower().startswith("osterburg")
    assert search(SearchRequest(query="Osterburg")).suggestion is None
    assert search(SearchRequest(query="Bürgerat")).suggestion == "Bürgerrat"
    # Words with synonyms are known: no correction for them.
    assert search(SearchRequest(query="citizens assembly")).suggestion is None


@pytest.mark.django_db
def test_rebuild_command_reports_the_new_index(engine_path):
    out = StringIO()
    call_command("rebuild_search", "--engine-only", "--no-progress", stdout=out)
    assert f"zeigt jetzt auf {server.indices_of_alias()[0]}" in out.getvalue()


@pytest.mark.django_db
def test_rebuild_command_without_a_server_says_so(settings):
    settings.SEARCH_ENGINE = None
    with pytest.raises(CommandError, match="SEARCH_URL"):
        call_command("rebuild_search", "--engine-only", "--no-progress")
    settings.SEARCH_ENGINE = search_engine("http://127.0.0.1:9", index="test")
    with pytest.raises(CommandError, match="nicht erreichbar"):
        call_command("rebuild_search", "--engine-only", "--no-progress")


@pytest.mark.django_db
def test_consumer_indexes_and_removes_entries(engine_path):
    entry = SearchEntry.objects.get(url_path__endswith="/osterburg-buergerrat-klimaschutz/")
    terms = " ".join(engine.document_analyzer().index_terms("Zauberlehrling"))
    SearchEntry.objects.filter(pk=entry.pk).update(title=f"{entry.title} {terms}")
    assert search(SearchRequest(query="Zauberlehrling")).count == 0
    consumers.notify(changed_ids=[entry.pk])
    assert slugs(search(SearchRequest(query="Zauberlehrling"))) == [
        "osterburg-buergerrat-klimaschutz"
    ]
    consumers.notify(removed_ids=[entry.pk])
    assert search(SearchRequest(query="Zauberlehrling")).count == 0
    # An entry that is gone from the database is removed when it is reported as changed.
    consumers.notify(changed_ids=[entry.pk])
    SearchEntry.objects.filter(pk=entry.pk).delete()
    consumers.notify(changed_ids=[entry.pk])
    assert search(SearchRequest(query="Zauberlehrling")).count == 0


@pytest.mark.django_db
def test_rebuild_switches_the_alias_without_downtime(engine_path):
    before = server.indices_of_alias()
    total = SearchEntry.objects.count()
    changed, deleted = SearchEntry.objects.filter(kind="case").order_by("pk")[:2]
    seen = []

    def progress(done, of):
        # Searches during the rebuild still see the complete old index.
        seen.append((done, of, search(SearchRequest(page_size=1)).count))
        if done == of:
            # Written and deleted after the rebuild read them, before the alias switch.
            terms = " ".join(engine.document_analyzer().index_terms("Zauberlehrling"))
            changed.title = f"{changed.title} {terms}"
            changed.updated_at = database_now()  # as search.indexer writes entries
            changed.save()
            SearchEntry.objects.filter(pk=deleted.pk).delete()

    new = EngineConsumer().rebuild(progress=progress)
    assert server.indices_of_alias() == [new] and new not in before
    assert seen[0][:2] == (0, total) and seen[-1][:2] == (total, total)
    assert {count for *_progress, count in seen} == {total}
    for old in before:
        assert not server.client().exists(f"/{old}")
    # What changed during the rebuild was caught up after the switch.
    assert search(SearchRequest(page_size=1)).count == total - 1
    assert [h.entry_id for h in search(SearchRequest(query="Zauberlehrling")).results] == [
        changed.pk
    ]


@pytest.mark.django_db
def test_autocomplete_offers_towns_titles_and_themes(engine_path, client):
    labels = {(s.kind, s.label) for s in engine.autocomplete("Oster")}
    assert ("ort", "Osterburg (Altmark)") in labels
    assert ("thema", "Wohnen") in {(s.kind, s.label) for s in engine.autocomplete("wohn")}
    response = client.get("/api/autocomplete/?q=Königs")
    assert response.status_code == 200
    assert any("Königslutter" in s["label"] for s in response.json()["suggestions"])


@pytest.mark.django_db
def test_related_cases_share_themes_and_give_reasons(engine_path, demo_site):
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    recommendations = engine.related(case.pk, limit=3)
    assert len(recommendations) == 3
    assert case.pk not in {r.hit.page.id for r in recommendations}
    assert all(r.hit.kind == "case" and r.reasons for r in recommendations)
    scores = [r.score for r in recommendations]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("population", "state", "themes"),
    [(6000, "ST", []), (25000, "BY", ["wohnen"]), (3000, None, ["mobilitaet", "energie"])],
)
def test_places_like_mine_ranks_as_the_database_path(
    osmem_url, settings, requests_sent, population, state, themes
):
    def ranked():
        return [
            (r.hit.page.slug, r.score, r.reasons)
            for r in engine.places_like(population, state, themes, limit=8)
        ]

    settings.SEARCH_ENGINE = None
    on_the_database = ranked()
    settings.SEARCH_ENGINE = search_engine(osmem_url, index="test")
    EngineConsumer().rebuild()
    server.capabilities()
    requests_sent.clear()
    assert ranked() == on_the_database
    assert len(requests_sent) == 1


@pytest.mark.django_db
def test_search_page_and_api_answer_from_the_engine(engine_path, client):
    page = client.get("/suche/", {"q": "Bürgerrat", "land": "ST"})
    assert page.status_code == 200
    assert "osterburg-buergerrat-klimaschutz" in page.content.decode()
    api = client.get("/api/search/", {"q": "Bürgerrat"}).json()
    assert api["results"][0]["url"].endswith("/osterburg-buergerrat-klimaschutz/")


@pytest.mark.django_db
def test_unreachable_server_falls_back_to_the_database(settings, caplog):
    settings.SEARCH_ENGINE = search_engine("http://127.0.0.1:9", index="test")
    response = search(SearchRequest(query="Bürgerrat"))
    assert slugs(response)[0] == "osterburg-buergerrat-klimaschutz"
    assert "fallback" in response.backend
    assert "falling back" in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize("filters", [{}, {"thema": ["wohnen"]}])
def test_each_library_counts_only_its_own_cases_in_the_engine(
    engine_path, demo_site, django_capture_on_commit_callbacks, client, filters
):
    """Two libraries: results, total and every facet count of each are of the cases below
    it, the same as on the database path (the moves reach the index through the outbox)."""
    south = add_second_library(demo_site, django_capture_on_commit_callbacks)
    for library in (demo_site.library, south):
        below = case_ids_below(library)
        request = CaseFilter(None, within=library).search_request(page_size=50)
        request.filters.update(filters)
        response = search(request)
        in_database = search(request, backend="database")
        assert response.backend.startswith("engine")
        ids = engine.page_ids(request)
        assert ids == engine.page_ids(request, backend="database")
        assert set(ids) <= below and response.count == len(ids) == in_database.count
        if not filters:
            assert set(ids) == below
        for facet, values in response.facets.items():
            assert shown_counts(values) == shown_counts(in_database.facets[facet]), facet
            # A facet counts the cases of every other facet's filter (its own left out).
            others = {name: chosen for name, chosen in request.filters.items() if name != facet}
            base = engine.page_ids(replace(request, filters=others)) if facet in filters else ids
            assert shown_counts(values) == facet_counts_of(base, facet), facet
    listing = client.get(south.url).context
    assert listing["page_obj"].paginator.count == len(MOVED)
    assert {case.slug for case in listing["cases"]} == set(MOVED)


def page_ids_page_by_page(request_kwargs):
    ids, page = [], 1
    while True:
        response = search(SearchRequest(page=page, page_size=50, **request_kwargs))
        ids += [hit.page.id for hit in response.results]
        if page >= response.num_pages:
            return ids
        page += 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "request_kwargs",
    [
        {},
        {"query": "Beteiligung"},
        {"filters": {"art": ["case"]}, "sort": "titel"},
        {"filters": {"art": ["case"], "land": ["ST", "NI"]}, "sort": "groesse"},
    ],
)
def test_page_ids_cost_a_few_large_requests(engine_path, requests_sent, settings, request_kwargs):
    """Every match's page id in the order of the search's pages, in batches of
    SEARCH_ENGINE_ID_BATCH: by fields ceil(N / batch) requests (search_after); by score one
    scroll after the first batch (ceil(N / batch) + 1 requests more, the last one closing
    it), since the emulator rounds scores as search_after values to six decimals (hits at a
    batch's edge came twice or not at all)."""
    server.capabilities()
    expected = page_ids_page_by_page(request_kwargs)
    assert len(expected) > 10
    settings.SEARCH_ENGINE_ID_BATCH = 10
    requests_sent.clear()
    assert engine.page_ids(SearchRequest(**request_kwargs)) == expected
    batches = math.ceil(len(expected) / 10)
    if request_kwargs.get("query"):  # ordered by score
        assert requests_sent == [
            ("POST", "/test/_search"),
            ("POST", "/test/_search?scroll=1m"),
            *[("POST", "/_search/scroll")] * (batches - 1),
            ("DELETE", "/_search/scroll"),
        ]
    else:
        assert requests_sent == [("POST", "/test/_search")] * batches
    settings.SEARCH_ENGINE_ID_BATCH = 5000  # the default: one request for a library this size
    requests_sent.clear()
    assert engine.page_ids(SearchRequest(**request_kwargs)) == expected
    assert len(requests_sent) == 1


@pytest.mark.django_db
def test_a_partner_export_of_every_case_costs_a_few_requests(
    engine_path, requests_sent, settings, client
):
    """The export, a feed or an embedded list: one search for the count and the labels,
    then the ids in batches, not one request per page of 50."""
    server.capabilities()
    settings.SEARCH_ENGINE_ID_BATCH = 100
    requests_sent.clear()
    data = client.get("/export/faelle.json").json()
    cases = SearchEntry.objects.filter(kind="case").count()
    assert data["count"] == len(data["cases"]) == cases > 300
    assert len(requests_sent) == 1 + math.ceil(cases / 100)
