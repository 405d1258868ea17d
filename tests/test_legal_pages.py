"""Impressum, Datenschutzerklärung, Erklärung zur Barrierefreiheit (home.LegalPage), linked in
the footer of every page; sitemap.xml and robots.txt."""

from xml.etree import ElementTree

import pytest
from django.test import override_settings
from wagtail.models import PageViewRestriction

from casestudies.models import CasePage
from home.legal import ensure_legal_pages
from home.models import LegalPage

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
HOST = "praxisatlas.example"
LEGAL_TITLES = ["Impressum", "Datenschutzerklärung", "Erklärung zur Barrierefreiheit"]


def footer(response):
    text = response.content.decode()
    start = text.index('<footer class="site-footer">')
    return text[start : text.index("</footer>", start)]


def sitemap_locations(client, **extra):
    response = client.get("/sitemap.xml", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own response
    return [loc.text for loc in root.findall("s:url/s:loc", SITEMAP_NS)]


def test_demo_has_the_three_legal_pages_published(demo_site):
    pages = LegalPage.objects.live().child_of(demo_site.home).order_by("path")
    assert {page.kind for page in pages} == {"impressum", "datenschutz", "barrierefreiheit"}
    accessibility = pages.get(kind="barrierefreiheit")
    assert "BITV 2.0" in accessibility.body
    assert "mailto:" in accessibility.body  # the feedback contact
    assert "Schlichtung" in accessibility.body


@pytest.mark.parametrize(
    "path",
    ["/", "/faelle/", "/suche/?q=Wohnen", "/export/codebuch/", "/fall-vorschlagen/", "/nix/"],
)
def test_every_page_links_the_legal_pages_in_its_footer(client, demo_site, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    links = footer(response)
    positions = [links.index(f">{title}</a>") for title in LEGAL_TITLES]
    assert positions == sorted(positions)  # Impressum, Datenschutz, Barrierefreiheit
    for page in LegalPage.objects.live():
        assert f'href="{page.url}"' in links
    assert 'href="/fall-vorschlagen/"' in links


def test_legal_page_renders_with_few_queries(client, demo_site, django_assert_max_num_queries):
    page = LegalPage.objects.get(kind="impressum")
    client.get("/")  # routing memo warm, as on a running site
    with django_assert_max_num_queries(4):
        response = client.get(page.url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "<h1>Impressum</h1>" in text
    assert "Angaben nach § 5 DDG" in text


def test_footer_leaves_out_unpublished_and_restricted_pages(client, demo_site):
    imprint = LegalPage.objects.get(kind="impressum")
    privacy = LegalPage.objects.get(kind="datenschutz")
    imprint.unpublish()
    PageViewRestriction.objects.create(
        page=privacy, restriction_type=PageViewRestriction.PASSWORD, password="geheim"
    )
    links = footer(client.get("/"))
    assert ">Impressum</a>" not in links
    assert ">Datenschutzerklärung</a>" not in links
    assert ">Erklärung zur Barrierefreiheit</a>" in links


def test_setup_is_idempotent_and_keeps_the_editors_changes(demo_site):
    imprint = LegalPage.objects.get(kind="impressum")
    imprint.title = "Impressum und Kontakt"
    imprint.save_revision().publish()
    count = LegalPage.objects.count()

    assert ensure_legal_pages() == []
    assert LegalPage.objects.count() == count
    assert LegalPage.objects.get(kind="impressum").title == "Impressum und Kontakt"

    LegalPage.objects.get(kind="barrierefreiheit").delete()
    assert ensure_legal_pages() == ["Erklärung zur Barrierefreiheit"]
    assert LegalPage.objects.live().filter(kind="barrierefreiheit").count() == 1


def test_editors_may_edit_the_legal_pages(demo_site, django_user_model):
    from django.contrib.auth.models import Group

    editor = django_user_model.objects.create_user("red", "red@example.org", "x")
    editor.groups.add(Group.objects.get(name="Redaktion"))
    page = LegalPage.objects.get(kind="datenschutz")
    permissions = page.permissions_for_user(editor)
    assert permissions.can_edit()
    assert not permissions.can_publish()


def test_sitemap_lists_public_pages_at_the_requested_host(client, demo_site, settings):
    settings.ALLOWED_HOSTS = [HOST, "testserver"]
    locations = sitemap_locations(client, HTTP_HOST=HOST)
    assert locations[0] == f"http://{HOST}/"
    assert all(location.startswith(f"http://{HOST}/") for location in locations)
    case = CasePage.objects.live().first()
    assert f"http://{HOST}{case.url}" in locations
    for page in LegalPage.objects.live():
        assert f"http://{HOST}{page.url}" in locations
    assert f"http://{HOST}{demo_site.library.url}" in locations
    # The library's routes: theme overview and theme pages.
    assert f"http://{HOST}{demo_site.library.url}thema/" in locations
    assert f"http://{HOST}{demo_site.library.url}thema/wohnen/" in locations
    assert len(locations) == len(set(locations))


def test_sitemap_leaves_out_restricted_and_draft_pages(client, demo_site):
    restricted, below = CasePage.objects.live().order_by("path")[:2]
    PageViewRestriction.objects.create(
        page=restricted, restriction_type=PageViewRestriction.PASSWORD, password="geheim"
    )
    draft = CasePage.objects.filter(live=False).first()
    assert draft is not None
    locations = sitemap_locations(client)
    assert f"http://testserver{restricted.url}" not in locations
    assert f"http://testserver{below.url}" in locations
    assert not any(location.endswith(f"/{draft.slug}/") for location in locations)

    # A restriction on an ancestor hides everything below it.
    PageViewRestriction.objects.create(
        page=demo_site.library, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    locations = sitemap_locations(client)
    assert not any("/faelle/" in location for location in locations)
    assert "http://testserver/" in locations


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_robots_txt_names_the_sitemap(client, demo_site, settings):
    settings.ALLOWED_HOSTS = [HOST]
    response = client.get("/robots.txt", HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin/" in lines
    assert "Disallow: /fall-vorschlagen/" in lines
    assert f"Sitemap: https://{HOST}/sitemap.xml" in lines
    assert not response.cookies


@pytest.mark.parametrize("path", ["/sitemap.xml", "/robots.txt"])
def test_head_works_on_sitemap_and_robots(client, demo_site, path):
    response = client.head(path)
    assert response.status_code == 200
    assert response.content == b""
    assert client.post(path).status_code == 405


def test_sitemap_queries_do_not_grow_with_the_pages(
    client, demo_site, django_assert_max_num_queries
):
    # The test database holds the demo and 300 generated cases: one query per page type
    # (.specific()) and a few for sites and themes, none per page (measured: 28).
    assert CasePage.objects.live().count() > 300
    with django_assert_max_num_queries(30):
        locations = sitemap_locations(client)
    assert len(locations) > 300
