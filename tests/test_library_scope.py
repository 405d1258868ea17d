"""Two case libraries in one site: each lists, counts and pages only the cases below it, and
every facet count of its search request is of its own cases. Its theme pages stay within it;
the map keeps showing the site's (first) library. The engine path's side of the same rule is
in tests/search/test_engine_server.py."""

import pytest
from wagtail.models import PageViewRestriction

from casestudies.filters import CaseFilter
from casestudies.models import CasePage, CaseSectionPage, Theme
from search.service import FACETS, SearchRequest, page_ids, search
from tests.library_helpers import (
    MOVED,
    add_second_library,
    case_ids_below,
    facet_counts_of,
    shown_counts,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def libraries(demo_site, django_capture_on_commit_callbacks):
    before = len(case_ids_below(demo_site.library))
    south = add_second_library(demo_site, django_capture_on_commit_callbacks)
    assert len(case_ids_below(demo_site.library)) == before - len(MOVED)
    return demo_site.library, south


def listed(client, url):
    """Every case a library lists (all its pages), and the total it shows."""
    first = client.get(url)
    assert first.status_code == 200
    paginator = first.context["page_obj"].paginator
    ids = []
    for number in range(1, paginator.num_pages + 1):
        page = first if number == 1 else client.get(url, {"seite": number})
        ids += [case.pk for case in page.context["cases"]]
    return ids, paginator.count, first


def test_each_library_lists_and_counts_only_its_own_cases(client, libraries):
    for library in libraries:
        ids, count, response = listed(client, library.url)
        expected = case_ids_below(library)
        assert len(ids) == len(set(ids)) == count == len(expected)
        assert set(ids) == expected
        cards = len(response.context["cases"])
        assert cards == min(12, count)  # a full first page: nothing filtered out after paging
    html = client.get(libraries[1].url).content.decode()
    assert "3 Fälle" in html and "Osterburg" in html


@pytest.mark.parametrize("filters", [{}, {"thema": ["wohnen"]}, {"land": ["ST", "BW"]}])
def test_every_facet_count_is_of_the_library_s_cases(libraries, filters):
    for library in libraries:
        request = CaseFilter(None, within=library).search_request(page_size=50)
        request.filters.update(filters)
        response = search(request)
        below = case_ids_below(library)
        for facet in FACETS:
            # A facet counts the cases matching every other facet's filter, in this library.
            others = {name: values for name, values in request.filters.items() if name != facet}
            base_ids = page_ids(SearchRequest(filters=others, within=library.url_path))
            assert set(base_ids) <= below
            assert shown_counts(response.facets[facet]) == facet_counts_of(base_ids, facet), facet


def test_theme_pages_stay_within_their_library(client, libraries):
    for library in libraries:
        below = case_ids_below(library)
        overview = client.get(library.url + "thema/")
        assert overview.status_code == 200
        for theme in overview.context["themes"]:
            ids, count, _response = listed(client, library.theme_url(theme))
            with_theme = set(
                Theme.objects.get(pk=theme.pk)
                .case_pages.filter(pk__in=below)
                .values_list("pk", flat=True)
            )
            assert set(ids) == with_theme and count == len(with_theme), theme.slug
            assert count == theme.case_count


def test_the_map_keeps_showing_the_site_s_library(client, libraries):
    north, _south = libraries
    shown = {case.pk for case in client.get("/karte/").context["cases"]}
    assert shown == case_ids_below(north)
    filtered = {case.pk for case in client.get("/karte/", {"land": "ST"}).context["cases"]}
    assert filtered and filtered <= case_ids_below(north)


def test_a_section_lists_its_own_cases_through_the_search(client, libraries):
    """A section (below a library) pages the cases below it, newest first; the library's
    filter parameters do not apply there (it shows no filters)."""
    _north, south = libraries
    section = south.get_children().type(CaseSectionPage).get().specific
    response = client.get(section.url, {"land": "XX", "sortierung": "titel"})
    assert response.status_code == 200
    assert [case.slug for case in response.context["cases"]] == [MOVED[0]]
    assert response.context["page_obj"].paginator.count == 1
    assert "1 Fall in diesem Bereich" in response.content.decode()


def test_a_demo_section_pages_newest_first(client, demo_site):
    section = CaseSectionPage.objects.live().first()
    below = CasePage.objects.live().public().descendant_of(section)
    newest = list(below.order_by("-first_published_at", "-pk").values_list("pk", flat=True))
    response = client.get(section.url)
    shown = [case.pk for case in response.context["cases"]]
    assert response.context["page_obj"].paginator.count == len(newest)
    assert shown == newest[: len(shown)] and len(shown) == min(12, len(newest))


def test_the_theme_overview_counts_only_public_cases(client, demo_site):
    """Counted like the theme pages list (the search service): a case behind a view
    restriction counts nowhere public."""
    case = demo_site.case(MOVED[0])
    theme = case.themes.first()

    def counted():
        themes = client.get(demo_site.library.url + "thema/").context["themes"]
        return next(t.case_count for t in themes if t.pk == theme.pk)

    before = counted()
    assert before == len(listed(client, demo_site.library.theme_url(theme))[0])
    PageViewRestriction.objects.create(
        page=case, restriction_type=PageViewRestriction.PASSWORD, password="geheim"
    )
    assert counted() == before - 1
