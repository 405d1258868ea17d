"""The map of the cases (/karte/): the library's cases and filters, a list by town beside the
drawing, nothing from other origins; the small map on case pages."""

import re

import pytest

from casestudies.maps import places_of
from casestudies.models import CasePage, CaseTown
from places.maps import HEIGHT, WIDTH, cluster, project

pytestmark = pytest.mark.django_db


def library_count(client, query=""):
    response = client.get("/faelle/" + query)
    return response.context["page_obj"].paginator.count


def listed_titles(content):
    section = content.split('id="map-list-heading"')[1]
    return re.findall(r'<li><a href="[^"]+">([^<]+)</a></li>', section)


def test_map_shows_every_case_of_the_library(client, demo_site, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        response = client.get("/karte/")
    assert response.status_code == 200
    content = response.content.decode()
    cases = response.context["cases"]
    assert len(cases) == library_count(client)
    # Every case is in the list, once per town (a case of two towns under both).
    titles = listed_titles(content)
    assert {case.title for case in cases} <= set(titles)
    places = response.context["places"]
    assert sum(len(place.cases) for place in places) + len(response.context["unlocated"]) >= len(
        cases
    )
    # Markers are drawn inside the map, one per group of nearby towns, each a link.
    markers = response.context["markers"]
    assert 0 < len(markers) <= len(places)
    for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', content):
        assert 0 <= float(x) <= WIDTH and 0 <= float(y) <= HEIGHT
    assert content.count('class="case-map__marker') == len(markers)


def test_map_takes_the_library_filters(client, demo_site):
    response = client.get("/karte/", {"land": "NI"})
    assert response.status_code == 200
    assert len(response.context["cases"]) == library_count(client, "?land=NI") > 0
    for case in response.context["cases"]:
        assert "NI" in {link.town.state for link in CaseTown.objects.filter(page=case)}
    assert re.search(r'value="NI"[^>]*checked', response.content.decode())
    empty = client.get("/karte/", {"land": "HB", "groesse": "grossstadt"})
    assert "Keine Fälle zu dieser Auswahl." in empty.content.decode()
    assert empty["Cache-Control"].startswith("max-age=0")


def test_map_sends_nothing_from_elsewhere(client, demo_site):
    content = client.get("/karte/").content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', content)
    assert '<image href="/static/places/germany.svg"' in content
    assert "style=" not in content.split("<main")[1]  # the CSP allows no inline styles


def test_unpublished_cases_are_not_on_the_map(client, demo_site):
    case = demo_site.case("koenigslutter-machbar")
    assert case.title in client.get("/karte/").content.decode()
    case.unpublish()
    assert case.title not in client.get("/karte/").content.decode()


def test_nearby_towns_are_one_marker(demo_site):
    cases = list(CasePage.objects.live())
    places, _unlocated = places_of(cases)
    markers = cluster(places)
    assert sum(len(m.places) for m in markers) == len(places)
    grouped = [m for m in markers if len(m.places) > 1]
    for marker in grouped:
        first = marker.places[0]
        for place in marker.places[1:]:
            assert (first.x - place.x) ** 2 + (first.y - place.y) ** 2 <= 22**2
    # Berlin and Munich are far apart on the map.
    berlin, munich = project(52.52, 13.40), project(48.14, 11.58)
    assert berlin[1] < munich[1] and berlin[0] > munich[0]


def test_case_page_has_a_small_map(client, demo_site):
    case = demo_site.case("koenigslutter-machbar")
    content = client.get(case.url).content.decode()
    assert 'class="mini-map"' in content
    assert "Lage auf der Deutschlandkarte: Königslutter am Elm" in content
    assert re.search(r'<circle cx="[\d.]+" cy="[\d.]+" r="14"/>', content)
    assert 'href="/karte/"' in content
