"""/api/search/status/: whether the worker answers searches yet, always with 200, so a
readiness probe (the benchmarks' start, devtools/loadgen.py) neither gets nor makes the
server log the 503 a search gets while the worker's first search state is built.

Transactional: the first state is built by a background thread on its own database
connection, which sees only committed data."""

import logging
import threading

import pytest
from django.core.cache import cache

from search import engine

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def held_first_build(demo_database, monkeypatch):
    """A first search state that is not ready until the test releases it."""
    demo_database.restore()
    cache.clear()
    engine.reset_snapshot()
    release = threading.Event()

    class HeldSnapshot(engine.Snapshot):
        def __init__(self, version, rows=None, previous=None):
            if previous is None:
                release.wait(60)
            super().__init__(version, rows=rows, previous=previous)

    monkeypatch.setattr(engine, "Snapshot", HeldSnapshot)
    yield release
    release.set()
    engine.wait_for_background_build()
    engine.reset_snapshot()


def test_status_says_whether_searches_are_answered_without_an_error(
    client, settings, held_first_build, caplog
):
    settings.SEARCH_STATE_REQUEST_WAIT_SECONDS = 0.1
    caplog.set_level(logging.INFO, logger="django.request")
    assert engine.warm_up() is not None

    status = client.get("/api/search/status/")
    assert status.status_code == 200
    assert status.json() == {"ready": False, "retry_after": 5}
    assert "no-cache" in status["Cache-Control"]
    assert client.get("/api/search/", {"q": "Dorfladen"}).status_code == 503  # a search would

    held_first_build.set()
    engine.wait_for_background_build()
    status = client.get("/api/search/status/")
    assert status.status_code == 200
    assert status.json() == {"ready": True, "retry_after": 0}
    assert client.get("/api/search/", {"q": "Dorfladen"}).status_code == 200
    # Django's request log names the search's 503, never the status probe.
    logged = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert logged == ["Service Unavailable: /api/search/"]
