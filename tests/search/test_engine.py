"""The search module as its callers see it: results, facets, suggestions, editor's picks,
statistics, autocomplete, the JSON API and the index following publishing."""

import pytest
from django.test import override_settings

from search import engine
from search.engine import SearchError, SearchRequest, search
from search.models import SearchClickStat, SearchEntry, SearchQueryStat


def slugs(response):
    return [hit.page.slug for hit in response.results]


@pytest.fixture(autouse=True)
def _fresh_snapshot():
    engine.reset_snapshot()
    yield
    engine.reset_snapshot()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected", "within"),
    [
        ("Bürgerräte", "osterburg-buergerrat-klimaschutz", 1),
        ("Buergerrat", "osterburg-buergerrat-klimaschutz", 1),
        ("Bürgerat", "osterburg-buergerrat-klimaschutz", 1),
        ("Gesellschaft Wohnungen", "istag-muensterland-wohnungsbaugesellschaft", 1),
        ("Wohnungsbau", "istag-muensterland-wohnungsbaugesellschaft", 1),
        ("Wie finden wir Teilnehmer für einen Bürgerrat?", "osterburg-buergerrat-klimaschutz", 1),
        ("citizens' assembly", "osterburg-buergerrat-klimaschutz", 1),
        ("housing company", "istag-muensterland-wohnungsbaugesellschaft", 1),
        # Bad Lobenstein's co-living with coworking is as good an answer here.
        ("Coworkng", "stalabo-stadtlabor-kleinstadt-coworking", 3),
    ],
)
def test_finds_the_model_case_first(query, expected, within):
    assert expected in slugs(search(SearchRequest(query=query)))[:within]


@pytest.mark.django_db
def test_facets_combine_with_the_query_and_each_other():
    everything = search(SearchRequest(query="Beteiligung"))
    states = {value.value: value.count for value in everything.facets["land"]}
    assert states["ST"] >= 1 and len(states) > 1

    only_st = search(SearchRequest(query="Beteiligung", filters={"land": ["ST"]}))
    assert only_st.count == states["ST"]
    assert all("ST" in hit.states for hit in only_st.results)
    # The state facet itself still offers the other states (counts without its own filter).
    assert {v.value: v.count for v in only_st.facets["land"]} == states
    # Other facets count only within the selected state.
    themes_in_st = sum(v.count for v in only_st.facets["thema"])
    assert themes_in_st < sum(v.count for v in everything.facets["thema"])

    both = search(
        SearchRequest(query="Beteiligung", filters={"land": ["ST"], "status": ["beendet"]})
    )
    assert both.count <= only_st.count
    assert all(hit.page.slug for hit in both.results)


@pytest.mark.django_db
def test_browse_without_query_sorts_and_filters():
    response = search(SearchRequest(filters={"thema": ["wohnen"]}, sort="groesse", page_size=50))
    assert response.count > 0
    population = dict(SearchEntry.objects.values_list("id", "population"))
    populations = [population[h.entry_id] or 0 for h in response.results]
    assert populations == sorted(populations)


@pytest.mark.django_db
def test_suggestion_for_a_misspelt_query():
    response = search(SearchRequest(query="Osterbrug"))
    assert response.suggestion and response.suggestion.lower().startswith("osterburg")
    assert search(SearchRequest(query="Osterburg")).suggestion is None
    # Readable words, not stems, and also when the corrected query finds plenty.
    assert search(SearchRequest(query="Bürgerat")).suggestion == "Bürgerrat"


@pytest.mark.django_db
def test_highlight_marks_matches_and_escapes_html():
    terms = engine.snapshot().analyzer.analyze_query("Bürgerrat").all_terms()
    marked = engine.highlight("Ein <b>Bürgerrat</b> & mehr: Bürgerräte", terms)
    assert marked.count("<mark>") == 2
    assert "&lt;b&gt;" in marked and "&amp;" in marked


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs",
    [
        {"page_size": 0},
        {"page_size": 51},
        {"page": 0},
        {"sort": "zufall"},
        {"filters": {"farbe": ["blau"]}},
        {"query": "x" * 201},
    ],
)
def test_bad_requests_raise_a_clear_error(kwargs):
    with pytest.raises(SearchError):
        SearchRequest(**kwargs)


@pytest.mark.django_db
def test_editors_picks_come_first(demo_site):
    from wagtail.contrib.search_promotions.models import Query, SearchPromotion

    case = demo_site.case("gomadingen-dorfladen-genossenschaft")
    SearchPromotion.objects.create(query=Query.get("nahversorgung"), page=case, sort_order=0)
    response = search(SearchRequest(query="Nahversorgung"))
    assert [pick.page.pk for pick in response.promotions] == [case.pk]


@pytest.mark.django_db
def test_statistics_count_queries_zero_results_and_clicks(client):
    search(SearchRequest(query="Bürgerrat"), log=True)
    search(SearchRequest(query="  bürgerrat "), log=True)
    search(SearchRequest(query="Quantencomputer"), log=True)
    stats = {s.query: s for s in SearchQueryStat.objects.all()}
    assert stats["bürgerrat"].searches == 2 and stats["bürgerrat"].zero_results == 0
    assert stats["quantencomputer"].zero_results == 1

    hit = search(SearchRequest(query="Bürgerrat")).results[0]
    response = client.get(f"/suche/klick/{hit.entry_id}/?q=Bürgerrat&pos=1")
    assert response.status_code == 302 and response["Location"] == hit.page.url
    click = SearchClickStat.objects.get()
    assert (click.query, click.page_id, click.clicks) == ("bürgerrat", hit.page.id, 1)
    assert client.get("/suche/klick/999999/?q=x").status_code == 404


@pytest.mark.django_db
def test_autocomplete_offers_towns_titles_and_themes(client):
    labels = {(s.kind, s.label) for s in engine.autocomplete("Oster")}
    assert ("ort", "Osterburg (Altmark)") in labels
    assert ("thema", "Wohnen") in {(s.kind, s.label) for s in engine.autocomplete("wohn")}
    response = client.get("/api/autocomplete/?q=Königs")
    assert response.status_code == 200
    assert any("Königslutter" in s["label"] for s in response.json()["suggestions"])


@pytest.mark.django_db
def test_json_api(client):
    response = client.get("/api/search/?q=Bürgerrat&page_size=5&land=ST")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    data = response.json()
    assert set(data) >= {"count", "results", "facets", "suggestion"}
    first = data["results"][0]
    assert set(first) >= {
        "slug",
        "title",
        "url",
        "summary",
        "towns",
        "state",
        "themes",
        "highlight",
    }
    assert first["slug"] == "osterburg-buergerrat-klimaschutz"
    assert first["url"].startswith("http://testserver/")
    assert first["state"] == "Sachsen-Anhalt"
    assert "<mark>" in first["highlight"]
    assert len(data["results"]) <= 5
    assert {"thema", "land", "groesse", "status", "foerderung", "zeitraum"} <= set(data["facets"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["page_size=0", "page_size=abc", "page_size=500", "sortierung=egal", "seite=-1", "seite=x"],
)
def test_json_api_rejects_bad_parameters(client, query):
    response = client.get(f"/api/search/?q=Wohnen&{query}")
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.django_db
def test_openapi_document_and_docs_are_local(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/search/" in schema["paths"]
    assert "/api/autocomplete/" in schema["paths"]
    docs = client.get("/api/docs").content.decode()
    assert "cdn" not in docs.lower() and "unpkg" not in docs.lower()


@pytest.mark.django_db
def test_entries_follow_publishing(demo_site, django_capture_on_commit_callbacks):
    case = demo_site.case("ebrach-mitfahrbaenke")
    assert SearchEntry.objects.filter(page=case).exists()
    case.unpublish()  # gone at once, in the same transaction
    assert not SearchEntry.objects.filter(page=case).exists()
    assert "ebrach-mitfahrbaenke" not in slugs(search(SearchRequest(query="Mitfahrbank")))
    # Written again after the commit (search/outbox.py).
    with django_capture_on_commit_callbacks(execute=True):
        case.get_latest_revision().publish()
    assert SearchEntry.objects.filter(page=case).exists()
    case.delete()
    assert not SearchEntry.objects.filter(page_id=case.pk).exists()


@pytest.mark.django_db
def test_unreachable_search_server_falls_back_to_the_database(settings, caplog):
    from search.index_settings import search_server_backend

    backends = {
        **settings.WAGTAILSEARCH_BACKENDS,
        "database": {"BACKEND": "wagtail.search.backends.database"},
        "opensearch": search_server_backend("http://127.0.0.1:9"),
    }
    with override_settings(WAGTAILSEARCH_BACKENDS=backends):
        response = search(SearchRequest(query="Bürgerrat"), backend="opensearch")
    assert slugs(response)[0] == "osterburg-buergerrat-klimaschutz"
    assert "fallback" in response.backend
    assert "falling back" in caplog.text
