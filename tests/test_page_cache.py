"""The full-page cache (core/cache.py): what anonymous visitors get from it, what may never
leak into it, and that publishing and reference-data changes invalidate it."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.contrib.frontend_cache.backends import BaseBackend
from wagtail.models import PageViewRestriction

from casestudies.models import Theme
from core.cache import clear_page_cache

CASE = "osterburg-buergerrat-klimaschutz"


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_ENABLED = True
    clear_page_cache()
    yield
    clear_page_cache()


def test_anonymous_visitors_get_cached_pages_with_validators(client, demo_site):
    url = demo_site.case(CASE).url
    first = client.get(url)
    assert first.status_code == 200
    assert first["X-Page-Cache"] == "miss"
    assert "public" in first["Cache-Control"] and "max-age=60" in first["Cache-Control"]
    assert first["ETag"] and first["Last-Modified"]
    assert not first.cookies

    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert second["X-Page-Cache"] == "hit"
    # Only the freshness check: the content generation, shared by every app host.
    assert [q["sql"] for q in queries] == [
        q["sql"] for q in queries if "core_contentgeneration" in q["sql"]
    ]
    assert len(queries) == 1
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    # Headers of the middleware below the cache come with it.
    assert "frame-ancestors 'none'" in second["Content-Security-Policy"]

    not_modified = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304
    assert not not_modified.content
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    changed = client.get(url, HTTP_IF_NONE_MATCH='"something-else"')
    assert changed.status_code == 200


def test_each_worker_keeps_recent_pages_in_front_of_the_shared_cache(client, demo_site, settings):
    case = demo_site.case(CASE)
    assert client.get(case.url)["X-Page-Cache"] == "miss"
    # The shared cache is emptied behind the worker's back: its memory still answers, under
    # the same key (the content generation decides, not the memory).
    caches["pages"].clear()
    assert client.get(case.url)["X-Page-Cache"] == "hit"

    case.title = "Bürgerrat fürs Klima, neu betitelt"
    case.save_revision().publish()
    changed = client.get(case.url)
    assert changed["X-Page-Cache"] == "miss"
    assert "neu betitelt" in changed.content.decode()

    settings.PAGE_CACHE_LOCAL_ENTRIES = 0
    caches["pages"].clear()
    assert client.get(case.url)["X-Page-Cache"] == "miss"


def test_every_hit_is_a_response_of_its_own(client, demo_site):
    url = demo_site.case(CASE).url
    client.get(url)
    first = client.get(url)
    first["X-Probe"] = "changed by the first visitor"
    second = client.get(url)
    assert second["X-Page-Cache"] == "hit"
    assert "X-Probe" not in second


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/faelle/",
        "/faelle/?land=NW&thema=wohnen",
        "/faelle/thema/wohnen/",
        f"/einbetten/fall/{CASE}/",
        "/api/v2/faelle/",
    ],
)
def test_public_pages_are_cached(client, demo_site, path):
    assert client.get(path)["X-Page-Cache"] == "miss"
    assert client.get(path)["X-Page-Cache"] == "hit"


def test_search_is_never_cached(client, demo_site):
    """The search logs every query for the statistics: it must run each time."""
    for _ in range(2):
        response = client.get("/suche/?q=wohnen")
        assert response["X-Page-Cache"] == "skip"
        assert "no-cache" in response["Cache-Control"]


def test_editor_never_gets_or_fills_the_cache(client, admin_client, demo_site):
    url = demo_site.case(CASE).url
    anonymous = client.get(url)
    assert anonymous["X-Page-Cache"] == "miss"

    editor = admin_client.get(url)
    assert editor.status_code == 200
    assert "X-Page-Cache" not in editor
    assert "private" in editor["Cache-Control"] and "no-store" in editor["Cache-Control"]
    assert "wagtail-userbar" in editor.content.decode()

    again = client.get(url)
    assert again["X-Page-Cache"] == "hit"
    assert "wagtail-userbar" not in again.content.decode()


def test_editor_first_does_not_leak_the_userbar(client, admin_client, demo_site):
    url = demo_site.case(CASE).url
    assert "wagtail-userbar" in admin_client.get(url).content.decode()
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "wagtail-userbar" not in response.content.decode()


def test_drafts_and_previews_never_reach_visitors(client, admin_client, demo_site):
    case = demo_site.case(CASE)
    url = case.url
    client.get(url)

    case.title = "Entwurfstitel, nicht veröffentlicht"
    case.save_revision()
    draft = admin_client.get(f"/admin/pages/{case.pk}/view_draft/")
    assert draft.status_code == 200
    assert "Entwurfstitel" in draft.content.decode()
    assert "X-Page-Cache" not in draft

    response = client.get(url)
    assert response["X-Page-Cache"] == "hit"
    assert "Entwurfstitel" not in response.content.decode()
    # The admin is never cached, not even for a request without cookies.
    assert "X-Page-Cache" not in client.get(f"/admin/pages/{case.pk}/view_draft/")


def test_publishing_invalidates(client, demo_site):
    case = demo_site.case(CASE)
    url = case.url
    client.get(url)
    client.get("/")
    assert client.get(url)["X-Page-Cache"] == "hit"

    case.title = "Bürgerrat Klimaschutz, neu veröffentlicht"
    case.save_revision().publish()

    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "neu veröffentlicht" in response.content.decode()
    # Every other page (listings that show the case) is dropped as well.
    assert client.get("/")["X-Page-Cache"] == "miss"


def test_unpublishing_invalidates(client, demo_site):
    case = demo_site.case(CASE)
    url = case.url
    assert client.get(url).status_code == 200
    case.unpublish()
    assert client.get(url).status_code == 404


def test_reference_data_changes_invalidate(client, demo_site):
    url = demo_site.case(CASE).url
    client.get(url)
    theme = demo_site.case(CASE).themes.first()
    theme.name = "Umbenanntes Thema"
    theme.save()
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "Umbenanntes Thema" in response.content.decode()


def test_view_restrictions_are_never_cached(client, demo_site):
    case = demo_site.case(CASE)
    url = case.url
    client.get(url)
    PageViewRestriction.objects.create(
        page=case, restriction_type=PageViewRestriction.PASSWORD, password="geheim"
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Page-Cache"] == "skip"
    assert "Was andere Städte lernen können" not in response.content.decode()
    # The form set a CSRF cookie: from now on this visitor bypasses the cache.
    again = client.get(url)
    assert again.get("X-Page-Cache") != "hit"
    assert "Was andere Städte lernen können" not in again.content.decode()


def test_visitors_with_a_session_or_csrf_cookie_bypass_the_cache(client, demo_site):
    url = demo_site.case(CASE).url
    client.get(url)
    client.cookies["csrftoken"] = "x" * 32
    assert "X-Page-Cache" not in client.get(url)


def test_post_is_never_cached(client, demo_site):
    response = client.post("/benachrichtigungen/", {})
    assert "X-Page-Cache" not in response


class RecordingBackend(BaseBackend):
    purged = []

    def purge(self, url):
        self.purged.append(url)


@pytest.fixture
def frontend_cache(settings):
    settings.WAGTAILFRONTENDCACHE = {
        "fake": {"BACKEND": "tests.test_page_cache.RecordingBackend"},
    }
    RecordingBackend.purged = []
    return RecordingBackend.purged


def test_publish_purges_the_frontend_cache(frontend_cache, demo_site):
    case = demo_site.case(CASE)
    case.save_revision().publish()
    assert any(url.endswith(f"/faelle/{CASE}/") for url in frontend_cache), frontend_cache


def test_reference_data_change_purges_pages_that_show_it(frontend_cache, demo_site):
    theme = Theme.objects.get(slug="wohnen")
    theme.save()
    assert any(url.endswith("/faelle/") for url in frontend_cache), frontend_cache
    case = demo_site.library.cases().filter(themes=theme).first()
    assert any(url.endswith(case.url) for url in frontend_cache), frontend_cache


def test_frontend_cache_is_off_by_default(settings):
    assert settings.WAGTAILFRONTENDCACHE == {}
