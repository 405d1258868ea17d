"""The search page /suche/ as a visitor gets it: results with highlights, facets that narrow
and combine, sorting, "did you mean", German errors for bad parameters (never a 500), the
click redirect, browsing by facet without a query, and the autocomplete hooks in the header."""

import re
from html import escape
from urllib.parse import quote

import pytest
from django.urls import reverse

from search import engine, indexer
from search.models import SearchEntry

SEARCH = "/suche/"


@pytest.fixture
def search_ready(demo_site):
    """The demo library with its search entries (written when the demo pages are published)."""
    if not SearchEntry.objects.exists():
        indexer.rebuild()
    engine.reset_snapshot()
    yield demo_site
    engine.reset_snapshot()


def get(client, **params):
    query = "&".join(
        f"{name}={quote(str(value))}"
        for name, values in params.items()
        for value in (values if isinstance(values, list) else [values])
    )
    return client.get(f"{SEARCH}?{query}")


def text(response):
    return response.content.decode()


def result_count(response):
    match = re.search(r'id="results-heading"[^>]*>\s*(\d+) ', text(response))
    assert match, "no result count on the page"
    return int(match.group(1))


def facet_value(response, facet):
    """The first offered value of a facet (not selected), with its count."""
    values = [v for v in response.context["search"].facets[facet] if not v.selected]
    assert values, f"no values offered for {facet}"
    return values[0]


def result_titles(response):
    return re.findall(
        r'class="card__title search-result__title"><a [^>]*>([^<]+)</a>', text(response)
    )


def test_query_shows_highlighted_results_and_facets(client, search_ready):
    response = get(client, q="Bürgerrat")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    content = text(response)
    count = result_count(response)
    assert count > 0
    assert "Treffer für „Bürgerrat“" in content
    assert "Bürgerrat für das Klimaschutzkonzept" in result_titles(response)
    assert re.search(r"<mark>Bürgerrat\w*</mark>", content)
    # Result links go through the click counter with the query and the absolute position.
    assert re.search(r'href="/suche/klick/\d+/\?q=B%C3%BCrgerrat&amp;pos=1"', content)
    # Facets: a fieldset per facet, counts in brackets, the query kept as a hidden field.
    assert "<legend>Bundesland</legend>" in content
    assert "<legend>Thema</legend>" in content
    assert re.search(r'name="land" value="[A-Z]{2}"', content)
    assert re.search(r'search-facet__count">\(\d+\)', content)
    assert '<input type="hidden" name="q" value="Bürgerrat">' in content
    assert "Filter anwenden" in content


def test_facet_narrows_and_facets_combine(client, search_ready):
    total = result_count(get(client, q="Bürgerrat"))
    state = facet_value(get(client, q="Bürgerrat"), "land")

    by_state = get(client, q="Bürgerrat", land=state.value)
    assert by_state.status_code == 200
    assert result_count(by_state) == state.count < total
    content = text(by_state)
    assert re.search(rf'name="land" value="{state.value}" checked', content)
    assert f'<span class="search-chip__facet">Bundesland:</span> {state.label}' in content
    for hit in by_state.context["search"].results:
        assert state.label in hit.state_names

    theme = facet_value(by_state, "thema")
    both = get(client, q="Bürgerrat", land=state.value, thema=theme.value)
    assert result_count(both) == theme.count <= state.count
    # The remove link of one filter keeps the query and the other filter.
    chip = re.search(
        r'<a class="search-chip" href="([^"]+)">\s*<span class="visually-hidden">'
        r"Filter entfernen: </span><span class=\"search-chip__facet\">Thema:",
        text(both),
    )
    assert chip
    href = chip.group(1).replace("&amp;", "&")
    assert "q=B%C3%BCrgerrat" in href and f"land={state.value}" in href
    assert "thema=" not in href
    assert result_count(client.get(href)) == state.count


def test_sort_by_newest(client, search_ready):
    response = get(client, q="Bürgerrat", sortierung="neu")

    assert response.status_code == 200
    content = text(response)
    assert '<option value="neu" selected>Neueste zuerst</option>' in content
    assert '<input type="hidden" name="sortierung" value="neu">' in content
    entry_ids = [hit.entry_id for hit in response.context["search"].results]
    published = dict(SearchEntry.objects.filter(pk__in=entry_ids).values_list("pk", "published_at"))
    dates = [published[pk] for pk in entry_ids]
    assert len(dates) > 1
    assert dates == sorted(dates, reverse=True)


def test_typo_offers_did_you_mean(client, search_ready):
    response = get(client, q="Buergerrta")

    assert response.status_code == 200
    content = text(response)
    assert "Meinten Sie „" in content
    suggestion = response.context["search"].suggestion
    assert f'href="/suche/?q={quote(suggestion)}"' in content


def test_no_results_shows_tips(client, search_ready):
    response = get(client, q="xqzzyvwq")

    assert response.status_code == 200
    content = text(response)
    assert "0 Treffer für „xqzzyvwq“" in content
    assert "Keine Praxisfälle gefunden." in content
    assert "Prüfen Sie die Schreibweise." in content
    assert '<article class="card search-result' not in content


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "Bürgerrat", "seite": "abc"}, "„seite“ muss eine ganze Zahl sein"),
        ({"q": "Bürgerrat", "seite": "0"}, "Die Seite muss eine positive ganze Zahl sein."),
        ({"q": "Bürgerrat", "sortierung": "xyz"}, "Unbekannte Sortierung „xyz“"),
        ({"q": "x" * 201}, "Die Suchanfrage ist zu lang"),
    ],
)
def test_bad_parameters_give_a_german_400(client, search_ready, params, message):
    response = get(client, **params)

    assert response.status_code == 400
    content = text(response)
    assert 'role="alert"' in content
    assert "Die Suche konnte nicht ausgeführt werden." in content
    assert message in content
    assert '<article class="card search-result' not in content
    # The search form is still there to try again.
    assert 'id="search-q"' in content


def test_unknown_facet_value_gives_400(client, search_ready):
    response = get(client, q="Bürgerrat", land="XX")
    assert response.status_code == 400
    assert "XX" in response.content.decode()
    assert client.get("/api/search/?q=Wohnen&thema=gibtesnicht").status_code == 400


@pytest.mark.parametrize("params", [{"land": "XX"}, {"seite": "999"}, {"q": "<script>x</script>"}])
def test_odd_parameters_never_fail(client, search_ready, params):
    response = get(client, **params)

    assert response.status_code in (200, 400)
    assert "<script>x</script>" not in text(response)


def test_editors_pick_above_results(client, search_ready):
    from wagtail.contrib.search_promotions.models import Query, SearchPromotion

    case = search_ready.case("koenigslutter-machbar")
    SearchPromotion.objects.create(
        query=Query.get("Ladenleerstand beleben"),
        page=case,
        description="Ein offener Treffpunkt im leeren Laden.",
        sort_order=0,
    )

    response = get(client, q="Ladenleerstand beleben")
    content = text(response)
    assert "Empfehlung der Redaktion" in content
    assert f'<a class="search-picks__link" href="{case.url}">{case.title}</a>' in content
    assert "Ein offener Treffpunkt im leeren Laden." in content
    picks_at = content.index("Empfehlung der Redaktion")
    first_result = content.find('<article class="card search-result')
    assert first_result == -1 or picks_at < first_result


def test_editors_pick_added_or_removed_after_a_search_shows_at_once(client, search_ready):
    """The search remembers which queries have picks until the content changes: a new pick
    and a removed pick both count from the next search on."""
    from wagtail.contrib.search_promotions.models import Query, SearchPromotion

    case = search_ready.case("koenigslutter-machbar")
    assert "Empfehlung der Redaktion" not in text(get(client, q="Leerstand im Ortskern"))

    pick = SearchPromotion.objects.create(
        query=Query.get("Leerstand im Ortskern"), page=case, sort_order=0
    )
    content = text(get(client, q="leerstand  im ortskern"))
    assert f'<a class="search-picks__link" href="{case.url}">{case.title}</a>' in content

    pick.delete()
    assert "Empfehlung der Redaktion" not in text(get(client, q="Leerstand im Ortskern"))


def test_facet_form_offers_what_narrows(client, search_ready):
    """Each offered value is a labelled checkbox; a long facet shows six values and the rest
    behind "weitere"; a facet with one value that every hit has is left out."""
    response = get(client, q="Dorfladen")
    content = text(response)
    count = result_count(response)
    facets = response.context["search"].facets
    for name, values in facets.items():
        offered = len(values) > 1 or (values and values[0].count != count)
        assert (f"search-facet--{name}" in content) == bool(offered), name
        if len(values) > 6:
            more = len(values) - 6
            assert re.search(rf"search-facet--{name}.*?{more} weiteren? anzeigen", content, re.S)
    theme = facets["thema"][0]
    checkbox_id = f"facet-thema-{theme.value}"
    assert (
        f'<input type="checkbox" id="{checkbox_id}" name="thema" value="{theme.value}">' in content
    )
    assert f'<label for="{checkbox_id}">{escape(theme.label)} ' in content
    # Every hit is a case: the "Art" facet could not narrow anything and is left out.
    assert any(
        len(values) == 1 and values[0].count == count and not values[0].selected
        for values in facets.values()
    )


def test_click_redirects_to_the_case(client, search_ready):
    case = search_ready.case("osterburg-buergerrat-klimaschutz")
    entry = SearchEntry.objects.get(page=case)

    response = client.get(reverse("search_click", args=[entry.pk]), {"q": "Bürgerrat", "pos": "1"})
    assert response.status_code == 302
    assert response["Location"] == case.url

    missing = SearchEntry.objects.order_by("-pk").first().pk + 1000
    assert client.get(reverse("search_click", args=[missing])).status_code == 404


def test_facet_without_query_browses(client, search_ready):
    response = get(client, thema="wohnen", sortierung="neu")

    assert response.status_code == 200
    content = text(response)
    count = result_count(response)
    assert count > 0
    assert re.search(rf"{count} Praxisf(all|älle)\s*</h2>", content)
    assert "Treffer für" not in content
    for hit in response.context["search"].results:
        assert "Wohnen" in hit.themes


def test_empty_search_page_offers_themes(client, search_ready):
    response = client.get(SEARCH)

    assert response.status_code == 200
    content = text(response)
    assert "Geben Sie einen Suchbegriff ein" in content
    assert 'href="/suche/?thema=wohnen"' in content
    assert '<article class="card search-result' not in content


def test_pagination_keeps_the_query(client, search_ready):
    first = get(client, q="Stadt")
    assert first.context["search"].num_pages >= 2
    content = text(first)
    assert "Seite 1 von" in content
    next_link = re.search(r'href="([^"]+)" rel="next"', content).group(1).replace("&amp;", "&")
    assert "seite=2" in next_link and "q=Stadt" in next_link

    second = client.get(SEARCH + next_link)
    assert "Seite 2 von" in text(second)
    assert 'start="11"' in text(second)
    assert "pos=11" in text(second)
    assert set(result_titles(second)).isdisjoint(result_titles(first))


def test_header_search_has_autocomplete(client, search_ready):
    content = text(client.get("/"))

    assert re.search(r'<input id="header-q"[^>]* autocomplete="off" data-autocomplete>', content)
    assert re.search(
        r'<script src="/static/js/autocomplete\.js" defer data-autocomplete-script', content
    )
    assert 'data-url="/api/autocomplete/"' in content
