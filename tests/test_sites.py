"""The site of a request (core.sites): the same site as Wagtail's ``Site.find_for_request``
for every hostname and port, without a query per request, and a site change is followed on
the next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, Site

from core import memo
from core.sites import site_for_request

pytestmark = pytest.mark.django_db

HOSTS = [
    "localhost",
    "localhost:8000",
    "praxisatlas.example",
    "PRAXISATLAS.example",
    "praxisatlas.example:8080",
    "praxisatlas.example:443",
    "partner.example",
    "partner.example:8443",
    "unknown.example",
    "unknown.example:8080",
]

# (hostname, port, default) of the sites besides the demo's default site "localhost:80".
CONFIGURATIONS = {
    "default only": [],
    "second hostname": [("praxisatlas.example", 80, False)],
    "hostname on two ports": [
        ("praxisatlas.example", 80, False),
        ("praxisatlas.example", 8080, False),
    ],
    "default on another hostname": [("partner.example", 8443, True)],
    "no default": [("praxisatlas.example", 80, False), ("partner.example", 80, False)],
}


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_the_same_site_as_wagtail_for_every_host(rf, settings, demo_site, configuration):
    settings.ALLOWED_HOSTS = ["*"]
    root = Page.objects.get(depth=1)
    others = CONFIGURATIONS[configuration]
    if any(default for _host, _port, default in others) or configuration == "no default":
        Site.objects.filter(is_default_site=True).update(is_default_site=False)
        memo.clear()  # changed behind the signals' back
    for hostname, port, default in others:
        Site.objects.create(hostname=hostname, port=port, is_default_site=default, root_page=root)
    found = {}
    for host in HOSTS:
        ours = site_for_request(rf.get("/", HTTP_HOST=host))
        wagtails = Site.find_for_request(rf.get("/", HTTP_HOST=host))
        assert getattr(ours, "pk", None) == getattr(wagtails, "pk", None), host
        found[host] = ours
    # Each configuration sends some host to a site and, where there is no default, some
    # host nowhere: the comparison covered both outcomes.
    assert any(site is not None for site in found.values())
    if configuration == "no default":
        assert found["unknown.example"] is None


def test_no_query_once_the_sites_are_known(rf, demo_site):
    site_for_request(rf.get("/", HTTP_HOST="localhost"))
    with CaptureQueriesContext(connection) as queries:
        request = rf.get("/", HTTP_HOST="localhost")
        site = site_for_request(request)
        assert site_for_request(request) is site
    # Only the content generation (read once per request outside a request scope).
    assert len([q for q in queries if "wagtailcore_site" in q["sql"]]) == 0
    assert site.is_default_site


def test_a_site_change_is_followed_on_the_next_request(rf, settings, demo_site):
    settings.ALLOWED_HOSTS = ["*"]
    before = site_for_request(rf.get("/", HTTP_HOST="praxisatlas.example"))
    assert before.hostname == "localhost"  # the default site answers any hostname
    root = Page.objects.get(depth=1)
    new = Site.objects.create(hostname="praxisatlas.example", port=80, root_page=root)
    after = site_for_request(rf.get("/", HTTP_HOST="praxisatlas.example"))
    assert after.pk == new.pk
    new.hostname = "praxisatlas.example.org"
    new.save()
    assert site_for_request(rf.get("/", HTTP_HOST="praxisatlas.example")).pk == before.pk


def test_case_page_links_stay_within_its_site(client, settings, demo_site):
    """A case page asked at the default site's hostname links within it (relative paths)."""
    settings.ALLOWED_HOSTS = ["*"]
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    library = demo_site.library
    content = client.get(case.url, HTTP_HOST="localhost").content.decode()
    assert f'<li><a href="{library.url}">Praxisfälle</a></li>' in content
    assert f'href="{library.url}vergleich/?fall={case.slug}"' in content
    assert f'href="{library.url}pdf/{case.slug}/"' in content
