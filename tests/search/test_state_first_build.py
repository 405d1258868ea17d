"""No request waits for a worker's first search state: it is built in the background from
worker start on (``search.engine.warm_up``, called by cms/wsgi.py); a request that comes
before it is ready gets "Suche wird vorbereitet" (503 with Retry-After, JSON on the API), a
case page is shown without related cases and not kept in the page cache. A request before
the warm-up starts the build itself, without waiting for it either.

Transactional: the state is built by a background thread on its own database connection,
which sees only committed data."""

import threading

import pytest
from django.core.cache import cache

from casestudies.models import CasePage
from search import engine

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def committed_library(demo_database):
    demo_database.restore()  # the table may have been emptied by an earlier transactional test
    cache.clear()
    engine.reset_snapshot()
    yield CasePage.objects.live().get(slug="gomadingen-dorfladen-genossenschaft")
    engine.reset_snapshot()


@pytest.fixture
def held_build(monkeypatch):
    """A first build that takes as long as the test says (as with a large library: seconds);
    patching in changes is not held."""
    release = threading.Event()

    class HeldSnapshot(engine.Snapshot):
        def __init__(self, version, rows=None, previous=None):
            if previous is None:
                release.wait(60)
            super().__init__(version, rows=rows, previous=previous)

    monkeypatch.setattr(engine, "Snapshot", HeldSnapshot)
    yield release
    release.set()


def test_no_request_waits_for_the_first_search_state(
    client, settings, committed_library, held_build
):
    settings.SEARCH_STATE_REQUEST_WAIT_SECONDS = 0.1
    settings.PAGE_CACHE_ENABLED = True
    case = committed_library
    # A request before the warm-up (or without one) starts the build and does not wait.
    assert client.get("/api/search/", {"q": "Leerstand"}).status_code == 503
    assert engine.warm_up() is not None  # the worker starts: the build is on its way

    api = client.get("/api/search/", {"q": "Dorfladen"})
    assert api.status_code == 503
    assert api["Retry-After"] == "5"
    assert "vorbereitet" in api.json()["detail"]
    page = client.get("/suche/", {"q": "Dorfladen"})
    assert page.status_code == 503
    assert "Die Suche wird vorbereitet" in page.content.decode()
    assert client.get("/api/autocomplete/", {"q": "Dorfl"}).status_code == 503
    case_page = client.get(case.url)
    assert case_page.status_code == 200
    assert "Ähnliche Fälle" not in case_page.content.decode()
    assert case_page["X-Page-Cache"] == "skip"

    held_build.set()
    engine.wait_for_background_build()
    api = client.get("/api/search/", {"q": "Dorfladen"})
    assert api.status_code == 200
    assert "gomadingen-dorfladen-genossenschaft" in {hit["slug"] for hit in api.json()["results"]}
    case_page = client.get(case.url)
    assert "Ähnliche Fälle" in case_page.content.decode()
    assert case_page["X-Page-Cache"] == "miss"
