"""Public pages: status, content and a bounded number of SQL queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

# Upper bounds asserted below (Django's cache cleared, warm process). They hold because
# routing loads a child page with its specific model in one query and notes its view
# restrictions (core/pages.py), ``public()`` is a subquery, the navigation reuses the home
# page's sections, the case page loads its themes and tags once, and what is the same on
# every page lives in memos per content generation (core/memo.py: the pages routing walks
# through, glossary terms, guides and events per case, the sites). Only public framework
# API: the site of a page request is matched with Wagtail's rules against the sites of the
# content generation (core/sites.py, no query), the requested page from one
# ``Manager.raw`` query, and a case page's links from one plain SQL query handed to the
# templates as ``facts``; pages are served by core.serve (Wagtail's serve view with the site
# root from the page tree memo). How the counts came down over the issues is in the README
# ("Geschwindigkeit und Caching").
# The first request after a content change builds the memos: tests/test_memo.py bounds it.
# Each includes the freshness check (the content generation, one query per request, shared by
# every app host: core/cache.py); pages that search had it already as the snapshot's check.
# A search reads the headings and summaries of the hits it shows from the database (the
# per-worker state keeps no texts: issue 15) and checks that the vectors of the semantic
# search are fresh (their own generation token, issue 16): two queries more than before.
# The theme overview counts a library's public cases through the search service (before, an
# ORM count that included restricted cases): one hit row and the facets' labels, two more.
# Not counted: the statements around PostgreSQL's full-text search that plan it through its
# index (SET LOCAL in a savepoint: search/retrieval.py), no reads of their own.
CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "SET LOCAL", "RESET")
MAX_QUERIES = {
    "home": 6,
    "library": 8,
    "library_filtered": 9,
    "theme": 7,
    "theme_index": 6,
    "case": 4,
    "search": 10,
    "guide": 7,
    "event": 10,
    "embed_case": 10,
    "embed_card": 10,
    "embed_list": 13,
    "api_cases": 14,
    "api_search": 7,
}


def get(client, url):
    """Request a page in a warm process (the search snapshot and the memos built once, as in
    a running server) with a cold Django cache, and count its SQL queries."""
    from django.core.cache import cache

    client.get(url)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len([q for q in queries.captured_queries if not q["sql"].startswith(CONTROL)])


@pytest.mark.django_db
def test_home_page(client, demo_site):
    response, queries = get(client, "/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Praxisatlas Kleinstadt" in content
    for theme in ("Wohnen", "Beteiligung &amp; Demokratie"):
        assert theme in content
    assert queries <= MAX_QUERIES["home"], queries


@pytest.mark.django_db
def test_library_lists_and_paginates(client, demo_site):
    response, queries = get(client, demo_site.library.url)
    assert response.status_code == 200
    page_obj = response.context["page_obj"]
    assert page_obj.paginator.count >= 20
    assert len(response.context["cases"]) == 12
    assert queries <= MAX_QUERIES["library"], queries

    second = client.get(demo_site.library.url + "?seite=2")
    assert second.status_code == 200
    first_slugs = {case.slug for case in response.context["cases"]}
    assert first_slugs.isdisjoint(case.slug for case in second.context["cases"])


@pytest.mark.django_db
def test_library_query_count_does_not_grow_with_results(client, demo_site):
    _, few = get(client, demo_site.library.url + "?land=ST")
    _, many = get(client, demo_site.library.url)
    assert many <= few + 1


@pytest.mark.django_db
def test_library_filters_combine(client, demo_site):
    url = demo_site.library.url + "?land=NW&thema=wohnen"
    response, queries = get(client, url)
    assert response.status_code == 200
    cases = response.context["cases"]
    assert cases, "the demo library has housing cases in NRW (IstaG)"
    for case in cases:
        assert "NW" in case.states
        assert "wohnen" in {theme.slug for theme in case.themes.all()}
    assert queries <= MAX_QUERIES["library_filtered"], queries


@pytest.mark.django_db
def test_library_size_class_and_status_filters(client, demo_site):
    response = client.get(demo_site.library.url + "?groesse=kleine-kleinstadt&status=beendet")
    assert response.status_code == 200
    for case in response.context["cases"]:
        assert "kleine-kleinstadt" in dict(case.size_classes)
        assert case.status == "beendet"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["land=XX", "groesse=riesig", "thema=gibtesnicht", "seite=abc", "seite=99999", "status=&land="],
)
def test_library_survives_bad_parameters(client, demo_site, query):
    response = client.get(demo_site.library.url + "?" + query)
    assert response.status_code == 200


@pytest.mark.django_db
def test_theme_routes(client, demo_site):
    response, queries = get(client, demo_site.library.url + "thema/wohnen/")
    assert response.status_code == 200
    assert response.context["theme"].slug == "wohnen"
    for case in response.context["cases"]:
        assert "wohnen" in {theme.slug for theme in case.themes.all()}
    assert queries <= MAX_QUERIES["theme"], queries

    response, queries = get(client, demo_site.library.url + "thema/")
    assert response.status_code == 200
    assert "Mobilität" in response.content.decode()
    assert queries <= MAX_QUERIES["theme_index"], queries

    assert client.get(demo_site.library.url + "thema/gibtesnicht/").status_code == 404


@pytest.mark.django_db
def test_case_page_shows_fact_box_and_transfer(client, demo_site):
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    response, queries = get(client, case.url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Osterburg" in content
    assert "Sachsen-Anhalt" in content
    assert "Kleine Kleinstadt" in content
    assert "Zuletzt geprüft" in content
    assert "Was andere Städte lernen können" in content
    assert content.index("Sachsen-Anhalt") < content.index("Was andere Städte lernen können")
    assert queries <= MAX_QUERIES["case"], queries


@pytest.mark.django_db
def test_contacts_hide_personal_data_unless_public(client, demo_site):
    from casestudies.models import CaseContact

    link = CaseContact.objects.filter(contact__is_public=False).exclude(contact__name="").first()
    assert link is not None, "the demo data has a person who did not agree to publication"
    content = client.get(link.page.url).content.decode()
    assert link.contact.function in content
    assert link.contact.name not in content
    if link.contact.email:
        assert link.contact.email not in content


@pytest.mark.django_db
def test_unknown_page_is_404(client, demo_site):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "nicht gefunden" in response.content.decode().lower()


def _guide_url():
    from knowledge.models import GuidePage

    return GuidePage.objects.live().first().url


def _event_url():
    from agenda.models import EventPage

    return EventPage.objects.live().first().url


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "url", "expected"),
    [
        ("search", "/suche/?q=wohnen", "Wohnen"),
        ("guide", _guide_url, "<h1"),
        ("event", _event_url, "<h1"),
        ("embed_case", "/einbetten/fall/osterburg-buergerrat-klimaschutz/", "Osterburg"),
        ("embed_card", "/einbetten/fall/osterburg-buergerrat-klimaschutz/karte/", "Osterburg"),
        ("embed_list", "/einbetten/faelle/?thema=wohnen", "Wohnen"),
        ("api_cases", "/api/v2/faelle/", '"total_count"'),
        ("api_search", "/api/search/?q=wohnen", '"results"'),
    ],
)
def test_query_counts_of_other_page_types(client, demo_site, kind, url, expected):
    response, queries = get(client, url() if callable(url) else url)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert queries <= MAX_QUERIES[kind], queries


@pytest.mark.django_db
def test_restricted_pages_stay_private_with_fewer_queries(client, demo_site):
    """The routing's note on view restrictions and the ``public()`` subquery must keep
    restricted cases out of pages and listings."""
    from wagtail.models import PageViewRestriction

    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    PageViewRestriction.objects.create(
        page=case, restriction_type=PageViewRestriction.PASSWORD, password="geheim"
    )
    response = client.get(case.url)
    assert response.status_code == 200
    assert "Was andere Städte lernen können" not in response.content.decode()
    assert not demo_site.library.cases().filter(pk=case.pk).exists()
    assert demo_site.library.cases().count() > 1

    # A restriction on an ancestor covers its descendants.
    PageViewRestriction.objects.create(
        page=demo_site.library, restriction_type=PageViewRestriction.LOGIN
    )
    other = demo_site.library.cases().model.objects.exclude(pk=case.pk).first()
    assert client.get(other.url).status_code == 302
    assert not demo_site.library.cases().exists()
