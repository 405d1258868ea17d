"""The case library lists through the search service: the same filters select the same cases
on the library, the search page's API and the map, in the order the library offers."""

import pytest
from wagtail.models import PageViewRestriction

from search.analysis import title_sort_key

pytestmark = pytest.mark.django_db

FILTERS = [
    "",
    "land=NW&thema=wohnen",
    "groesse=kleine-kleinstadt&status=beendet",
    "thema=mobilitaet",
    "land=ST&land=NI",
    "reichweite=interkommunal",
]


@pytest.mark.parametrize("params", FILTERS)
def test_library_and_search_agree_on_counts(client, demo_site, params):
    library = client.get(demo_site.library.url + "?" + params)
    api = client.get("/api/search/?art=case&" + params).json()
    assert library.status_code == 200
    assert library.context["page_obj"].paginator.count == api["count"]
    shown = [case.pk for case in library.context["cases"]]
    assert len(shown) == min(12, api["count"])


def test_library_sorts_by_title(client, demo_site):
    response = client.get(demo_site.library.url + "?sortierung=titel")
    titles = [case.title for case in response.context["cases"]]
    assert len(titles) == 12
    assert titles == sorted(titles, key=title_sort_key)
    assert 'value="titel" selected' in response.content.decode()


def test_library_pages_are_disjoint_and_past_the_end_shows_the_last(client, demo_site):
    first = client.get(demo_site.library.url + "?sortierung=titel")
    count = first.context["page_obj"].paginator.count
    last_number = first.context["page_obj"].paginator.num_pages
    seen = set()
    for number in range(1, last_number + 1):
        page = client.get(demo_site.library.url + f"?sortierung=titel&seite={number}")
        slugs = {case.slug for case in page.context["cases"]}
        assert seen.isdisjoint(slugs)
        seen |= slugs
    assert len(seen) == count
    beyond = client.get(demo_site.library.url + "?sortierung=titel&seite=9999")
    assert beyond.context["page_obj"].number == last_number


def test_a_bad_value_is_named_and_the_other_filters_apply(client, demo_site):
    response = client.get(demo_site.library.url + "?land=XX&thema=wohnen")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Einige Filter konnten nicht angewendet werden" in content
    wohnen = client.get(demo_site.library.url + "?thema=wohnen")
    assert (
        response.context["page_obj"].paginator.count
        == wohnen.context["page_obj"].paginator.count
        < client.get(demo_site.library.url).context["page_obj"].paginator.count
    )
    assert response.context["filter"].active_filters == [("Thema", "Wohnen")]


def test_restricted_cases_are_left_out_of_library_and_map(client, demo_site):
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    before = client.get(demo_site.library.url).context["page_obj"].paginator.count
    PageViewRestriction.objects.create(
        page=case, restriction_type=PageViewRestriction.PASSWORD, password="geheim"
    )
    library = client.get(demo_site.library.url + "?sortierung=titel&seite=1")
    assert library.context["page_obj"].paginator.count == before - 1
    every = client.get("/karte/")
    assert case.pk not in {shown.pk for shown in every.context["cases"]}
    assert len(every.context["cases"]) == before - 1
