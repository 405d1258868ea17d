"""Every kind of change reaches everything derived from it on the next request: the page
cache, the memos, the search snapshot (results, facets, autocomplete, related cases) and the
outputs built on the search (feeds, exports, embeds). One test per change kind; each first
warms what it then expects to change.

Search entries are derived again through the outbox (search/outbox.py), drained after the
commit: a test runs in one transaction that never commits, so the tests whose change reaches
many pages run the commit callbacks (``django_capture_on_commit_callbacks``); the others rely
on the drain at the start of the next request (search/middleware.py), which is bounded in
time. What must leave the search (restrictions, unpublishing, deleting) leaves without any
drain. Across two app hosts: make test-two-hosts
(devtools/management/commands/check_two_hosts.py)."""

import pytest
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import PageViewRestriction, Site

from casestudies.models import CaseSectionPage, FundingProgramme, Organisation, Theme
from core.cache import clear_page_cache, generation
from core.geo import SizeClass, size_class_for
from search import engine
from search.models import SearchEntry, Synonym

pytestmark = pytest.mark.django_db

CASE = "osterburg-buergerrat-klimaschutz"


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_ENABLED = True
    clear_page_cache()
    yield
    clear_page_cache()


def search(client, query="", **filters):
    params = {"q": query, "page_size": 50, **filters}
    response = client.get("/api/search/", params)
    assert response.status_code == 200, response.content
    return response.json()


def result_urls(body):
    return [result["url"].removeprefix("http://testserver") for result in body["results"]]


def facet(body, name):
    return {value["value"]: value["label"] for value in body["facets"].get(name, [])}


def publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def page_text(client, url):
    response = client.get(url)
    return response.status_code, response.content.decode()


def test_publishing_a_new_title_shows_on_the_cached_page_and_in_search(client, demo_site):
    case = demo_site.case(CASE)
    assert client.get(case.url)["X-Page-Cache"] == "miss"
    assert client.get(case.url)["X-Page-Cache"] == "hit"
    assert search(client, "Bürgerrat")["count"] > 0

    case.title = "Osterburg lost Bürgerinnen aus: Klimarat neu betitelt"
    publish(case)

    status, html = page_text(client, case.url)
    assert status == 200 and "Klimarat neu betitelt" in html
    titles = [r["title"] for r in search(client, "Klimarat neu betitelt")["results"]]
    assert titles[0] == "Osterburg lost Bürgerinnen aus: Klimarat neu betitelt"


def test_unpublishing_removes_the_case_everywhere(client, demo_site):
    case = demo_site.case(CASE)
    assert client.get(case.url).status_code == 200
    assert case.url in result_urls(search(client, "Osterburg"))
    assert case.slug in client.get("/feeds/faelle/rss/?q=Osterburg").content.decode()

    case.unpublish()

    assert client.get(case.url).status_code == 404
    assert case.url not in result_urls(search(client, "Osterburg"))
    assert case.slug not in client.get("/feeds/faelle/rss/?q=Osterburg").content.decode()
    assert client.get(f"/einbetten/fall/{case.slug}/").status_code == 404


def test_deleting_removes_the_case_from_search_and_exports(client, demo_site):
    case = demo_site.case(CASE)
    assert case.title in client.get("/export/faelle.json").content.decode()
    url = case.url

    case.delete()

    assert client.get(url).status_code == 404
    assert url not in result_urls(search(client, "Osterburg"))
    assert case.title not in client.get("/export/faelle.json").content.decode()


def test_moving_a_case_moves_its_search_result(client, demo_site):
    case = demo_site.case(CASE)
    old_url = case.url
    assert old_url in result_urls(search(client, "Osterburg"))
    section = publish(
        demo_site.library.add_child(
            instance=CaseSectionPage(title="Netzwerk Nord", slug="netzwerk-nord", live=False)
        )
    )

    case.move(section, pos="last-child")

    new_url = f"/faelle/netzwerk-nord/{case.slug}/"
    urls = result_urls(search(client, "Osterburg"))
    assert new_url in urls and old_url not in urls
    assert client.get(new_url).status_code == 200


def test_a_new_slug_changes_the_search_result_address(client, demo_site):
    case = demo_site.case(CASE)
    assert case.url in result_urls(search(client, "Osterburg"))

    case.slug = "osterburg-klimarat"
    publish(case)

    urls = result_urls(search(client, "Osterburg"))
    assert "/faelle/osterburg-klimarat/" in urls
    assert f"/faelle/{CASE}/" not in urls
    labels = [
        s["url"] for s in client.get("/api/autocomplete/", {"q": "Osterb"}).json()["suggestions"]
    ]
    assert f"/faelle/{CASE}/" not in labels


def test_a_sections_new_slug_changes_the_addresses_of_its_cases(client, demo_site):
    section = CaseSectionPage.objects.live().first()
    assert section is not None, "the demo has a section with cases"
    case = section.get_children().live().specific().first()
    body = search(client, case.title)
    assert case.url in result_urls(body)

    section.slug = "neuer-bereich"
    publish(section)

    new_url = f"/faelle/neuer-bereich/{case.slug}/"
    assert new_url in result_urls(search(client, case.title))
    assert client.get(new_url).status_code == 200


def page_shown(client, case):
    """The case page itself, not a login redirect or a password form (status 200)."""
    status, html = page_text(client, case.url)
    return status == 200 and 'type="password"' not in html


def everywhere(client, case):
    """Where a public case shows: page, search, autocomplete, related cases of another case,
    feeds, exports, embeds."""
    other = engine.related(case.pk, limit=3)
    assert other, "the case has related cases"
    neighbour = other[0].hit.page
    return {
        "page": page_shown(client, case),
        "search": case.url in result_urls(search(client, case.title)),
        "autocomplete": any(
            s["url"] == case.url
            for s in client.get("/api/autocomplete/", {"q": case.title[:12]}).json()["suggestions"]
        ),
        "related": case.pk in [r.hit.page.id for r in engine.related(neighbour.id, limit=12)],
        "feed": case.slug in client.get("/feeds/faelle/atom/", {"q": case.title}).content.decode(),
        "export": case.slug in client.get("/export/faelle.csv").content.decode(),
        "embed": client.get(f"/einbetten/fall/{case.slug}/").status_code == 200,
    }


def test_a_view_restriction_hides_the_case_everywhere_and_its_removal_brings_it_back(
    client, demo_site, django_capture_on_commit_callbacks
):
    case = demo_site.case(CASE)
    before = everywhere(client, case)
    assert all(before.values()), before

    restriction = PageViewRestriction.objects.create(
        page=case, restriction_type=PageViewRestriction.LOGIN
    )
    assert not any(everywhere_public(client, case).values())

    restriction.restriction_type = PageViewRestriction.PASSWORD
    restriction.password = "geheim"
    restriction.save()
    assert not any(everywhere_public(client, case).values())

    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
    assert all(everywhere(client, case).values())


def everywhere_public(client, case):
    """``everywhere`` for a case that may be gone: its related cases looked up beforehand."""
    return {
        "page": page_shown(client, case),
        "search": case.url in result_urls(search(client, case.title)),
        "autocomplete": any(
            s["url"] == case.url
            for s in client.get("/api/autocomplete/", {"q": case.title[:12]}).json()["suggestions"]
        ),
        "related": any(
            case.pk in [r.hit.page.id for r in engine.related(entry.page_id, limit=12)]
            for entry in SearchEntry.objects.filter(kind="case")[:20]
        ),
        "feed": case.slug in client.get("/feeds/faelle/atom/", {"q": case.title}).content.decode(),
        "export": case.slug in client.get("/export/faelle.csv").content.decode(),
        "embed": client.get(f"/einbetten/fall/{case.slug}/").status_code == 200,
    }


def test_a_restriction_on_an_ancestor_hides_the_cases_below(client, demo_site):
    section = CaseSectionPage.objects.live().first()
    case = section.get_children().live().specific().first()
    assert case.url in result_urls(search(client, case.title))

    PageViewRestriction.objects.create(page=section, restriction_type=PageViewRestriction.LOGIN)

    assert case.url not in result_urls(search(client, case.title))
    assert client.get(case.url).status_code == 302  # to the login


def test_a_renamed_theme_shows_its_new_label_and_slug_in_the_facets(
    client, demo_site, django_capture_on_commit_callbacks
):
    case = demo_site.case(CASE)
    theme = case.themes.first()
    assert facet(search(client), "thema")[theme.slug] == theme.name

    theme.name = "Klima, Energie und Beteiligung"
    theme.slug = "klima-energie-beteiligung"
    with django_capture_on_commit_callbacks(execute=True):  # the outbox drains on commit
        theme.save()

    themes = facet(search(client), "thema")
    assert themes["klima-energie-beteiligung"] == "Klima, Energie und Beteiligung"
    body = search(client, "Osterburg", thema="klima-energie-beteiligung")
    assert case.url in result_urls(body)
    status, html = page_text(client, case.url)
    assert "Klima, Energie und Beteiligung" in html


def test_a_merged_theme_disappears_from_facets_and_entries(
    client, demo_site, django_capture_on_commit_callbacks
):
    """Merging: the cases of one theme get the other, then the first is deleted."""
    case = demo_site.case(CASE)
    source = case.themes.first()
    target = Theme.objects.exclude(pk=source.pk).first()
    assert source.slug in facet(search(client), "thema")
    for page in source.case_pages.all():
        page.themes.add(target)
        publish(page)

    with django_capture_on_commit_callbacks(execute=True):
        source.delete()

    assert source.slug not in facet(search(client), "thema")
    assert not SearchEntry.objects.filter(themes__contains=source.slug).exists()
    assert search(client, thema=target.slug)["count"] > 0
    assert client.get("/suche/", {"thema": target.slug}).status_code == 200


def test_a_towns_new_population_changes_the_size_class_in_search(
    client, demo_site, django_capture_on_commit_callbacks
):
    case = demo_site.case(CASE)
    town = case.case_towns.first().town
    before = town.size_class
    assert case.url in result_urls(search(client, "Osterburg", groesse=before))
    population = next(p for p in (2_000, 7_000, 15_000, 50_000) if size_class_for(p) != before)

    town.population = population
    with django_capture_on_commit_callbacks(execute=True):
        town.save()

    new_class = size_class_for(population)
    assert case.url in result_urls(search(client, "Osterburg", groesse=new_class))
    assert case.url not in result_urls(search(client, "Osterburg", groesse=before))
    assert facet(search(client, "Osterburg"), "groesse")[new_class] == SizeClass(new_class).label


def test_a_renamed_funding_programme_shows_in_the_facets(
    client, demo_site, django_capture_on_commit_callbacks
):
    programme = FundingProgramme.objects.filter(case_pages__live=True).first()
    assert programme is not None
    assert facet(search(client), "foerderung")[str(programme.pk)] == programme.name

    programme.name = "Förderprogramm Kleinstadtakademie (neu)"
    with django_capture_on_commit_callbacks(execute=True):
        programme.save()

    labels = facet(search(client), "foerderung")
    assert labels[str(programme.pk)] == "Förderprogramm Kleinstadtakademie (neu)"


def test_a_renamed_organisation_is_found_by_its_new_name(
    client, demo_site, django_capture_on_commit_callbacks
):
    organisation = Organisation.objects.filter(case_pages__live=True).first()
    assert organisation is not None
    assert search(client, "Quellwasserkooperative")["count"] == 0

    organisation.name = "Quellwasserkooperative Altmark"
    with django_capture_on_commit_callbacks(execute=True):
        organisation.save()

    assert search(client, "Quellwasserkooperative")["count"] > 0


def test_a_renamed_tag_is_found_and_shown(client, demo_site, django_capture_on_commit_callbacks):
    case = demo_site.case(CASE)
    tag = case.tags.first()
    assert case.url not in result_urls(search(client, "Quokkarunde"))

    tag.name = "Quokkarunde"
    with django_capture_on_commit_callbacks(execute=True):
        tag.save()

    assert case.url in result_urls(search(client, "Quokkarunde"))


def test_a_new_synonym_applies_at_once(client, demo_site):
    case = demo_site.case(CASE)
    assert case.url not in result_urls(search(client, "Losgremium"))

    Synonym.objects.create(rule="Losgremium, Bürgerrat")

    assert case.url in result_urls(search(client, "Losgremium"))


def test_an_editors_pick_shows_at_once(client, demo_site):
    case = demo_site.case("gomadingen-dorfladen-genossenschaft")
    html = client.get("/suche/", {"q": "klima"}).content.decode()
    assert "Empfehlung der Redaktion" not in html

    SearchPromotion.objects.create(
        query=Query.get("klima"), page=case, sort_order=0, description="Ein Vorbild"
    )

    html = client.get("/suche/", {"q": "klima"}).content.decode()
    assert "Empfehlung der Redaktion" in html and case.title in html


def test_a_site_change_starts_a_new_generation(client, demo_site):
    case = demo_site.case(CASE)
    assert client.get(case.url)["X-Page-Cache"] == "miss"
    assert client.get(case.url)["X-Page-Cache"] == "hit"
    token = generation()

    site = Site.objects.get(is_default_site=True)
    site.site_name = "Praxisatlas Kleinstadt (Netzwerk)"
    site.save()

    assert generation() != token
    assert client.get(case.url)["X-Page-Cache"] == "miss"
