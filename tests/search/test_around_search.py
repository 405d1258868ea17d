"""Around the search: related cases, cases from places like mine, analytics and synonyms for
editors."""

import numpy as np
import pytest

from search import engine
from search.engine import SearchRequest, search
from search.models import SearchEntry, Synonym


@pytest.fixture(autouse=True)
def _fresh_snapshot():
    engine.reset_snapshot()
    yield
    engine.reset_snapshot()


@pytest.mark.django_db
def test_case_page_shows_related_cases(client, demo_site):
    case = demo_site.case("koenigslutter-machbar")
    related = engine.related(case.pk)
    assert len(related) == 3
    assert case.slug not in [item.hit.page.slug for item in related]
    # Königslutter's other case shares town, themes and words: it comes first.
    assert related[0].hit.page.slug == "koenigslutter-kleinstadtexperten"
    content = client.get(case.url).content.decode()
    assert "Ähnliche Fälle" in content
    assert related[0].hit.page.title in content


@pytest.mark.django_db
def test_places_like_mine_by_population_and_state(client, demo_site):
    response = client.get("/orte-wie-meiner/?einwohner=9500&land=ST")
    assert response.status_code == 200
    recommendations = response.context["recommendations"]
    assert recommendations
    first = SearchEntry.objects.get(page_id=recommendations[0].hit.page.id)
    assert "kleine-kleinstadt" in first.size_classes.split()
    assert "Kleine Kleinstadt" in response.content.decode()


@pytest.mark.django_db
def test_places_like_mine_by_town_name_and_theme(client, demo_site):
    response = client.get("/orte-wie-meiner/?ort=Telgte&thema=wohnen")
    assert response.status_code == 200
    slugs = [item.hit.page.slug for item in response.context["recommendations"]]
    assert "istag-muensterland-wohnungsbaugesellschaft" in slugs[:3]
    for item in response.context["recommendations"]:
        assert "Wohnen" in item.hit.themes


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["", "ort=Nirgendwo", "einwohner=-5", "einwohner=viele", "land=XX&einwohner=5000"]
)
def test_places_like_mine_rejects_bad_input_clearly(client, demo_site, query):
    response = client.get("/orte-wie-meiner/?" + query)
    if not query:
        assert response.status_code == 200  # the empty form
        assert response.context["recommendations"] is None
        return
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


@pytest.mark.django_db
def test_editor_synonym_changes_the_search_at_once(demo_site):
    assert search(SearchRequest(query="Zwergschule")).count == 0
    Synonym.objects.create(rule="Zwergschule => Kleinstadt")
    assert search(SearchRequest(query="Zwergschule")).count > 0


@pytest.mark.django_db
def test_search_analytics_report(admin_client, client, demo_site):
    search(SearchRequest(query="Bürgerrat"), log=True)
    search(SearchRequest(query="Zwergschule"), log=True)
    hit = search(SearchRequest(query="Bürgerrat")).results[0]
    client.get(f"/suche/klick/{hit.entry_id}/?q=Bürgerrat&pos=2")
    response = admin_client.get("/admin/suchanalyse/?tage=7")
    assert response.status_code == 200
    content = response.content.decode()
    assert "bürgerrat" in content and "zwergschule" in content
    assert hit.page.title in content
    assert admin_client.get("/admin/suchanalyse/?tage=abc").status_code == 200
    assert admin_client.get("/admin/snippets/search/synonym/").status_code == 200
    assert admin_client.get("/admin/snippets/search/synonym/?q=bürgerrat").status_code == 200


@pytest.mark.django_db
def test_search_promotions_admin_is_available(admin_client):
    assert admin_client.get("/admin/searchpicks/").status_code == 200


@pytest.mark.django_db
def test_related_cases_count_a_shared_word_once_per_case(demo_site):
    """The word likeness of related cases: a case shares a word once, whether the word is in
    its title, its key facts or both (checked against a plain union per word, for every
    entry of the demo library as the source)."""
    snap = engine.snapshot()
    title, key = snap.columns["title"], snap.columns["key"]
    size = len(snap.alive)
    in_both = 0
    for source in range(size):
        terms = set(title.values_of(source)) | set(key.values_of(source))
        expected = np.zeros(size)
        for term in terms:
            expected[np.union1d(title.positions(term), key.positions(term))] += 1
            in_both += len(np.intersect1d(title.positions(term), key.positions(term)))
        assert np.array_equal(engine._shared_term_counts(snap, terms, size), expected), source
    assert in_both, "the demo library has words in both the title and the key facts of a case"
