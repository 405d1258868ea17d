"""The search state kept on disk per host (search/state_files.py): a worker that starts after
another one wrote the state maps it instead of building it, and answers the same; a damaged
directory is ignored with a warning and built again; what was published after the state was
written is found after the catch-up; a restricted case never shows, not even while an older
state from disk answers.

Transactional: states are written to disk only outside a transaction (a state seen inside one
may hold what a rollback takes back), and a worker's first state is made in a background
thread on its own connection."""

import json
import logging
import threading

import numpy as np
import pytest
from django.core.cache import cache
from wagtail.models import PageViewRestriction

from casestudies.models import CasePage
from search import engine, state_files
from search.models import SearchEntry

pytestmark = pytest.mark.django_db(transaction=True)

CASE = "gomadingen-dorfladen-genossenschaft"
QUERIES = (
    {"q": "Dorfladen"},
    {"q": "Leerstand Innenstadt", "page_size": "20"},
    {"art": "case", "page_size": "50", "sortierung": "titel"},
    {"q": "Genossenschaft", "land": "BW"},
)


@pytest.fixture
def state_dir(settings, tmp_path, demo_database):
    demo_database.restore()
    cache.clear()
    settings.SEARCH_STATE_FILES = True
    settings.SEARCH_STATE_DIR = tmp_path / "search-state"
    settings.SEARCH_STATE_PATCHING = True
    engine.reset_snapshot()
    yield settings.SEARCH_STATE_DIR
    engine.reset_snapshot()
    demo_database.restore()  # the full-text table included


@pytest.fixture
def builds(monkeypatch):
    """The states built from scratch in this test (their versions)."""
    built = []
    original = engine._build

    def counted(version):
        built.append(version)
        return original(version)

    monkeypatch.setattr(engine, "_build", counted)
    return built


def answers(client):
    responses = [client.get("/api/search/", params) for params in QUERIES]
    assert [response.status_code for response in responses] == [200] * len(QUERIES)
    return [response.json() for response in responses]


def slugs(answer):
    return [hit["slug"] for hit in answer["results"]]


def mapped(array):
    """Whether the array's memory is a mapped file."""
    while array is not None:
        if isinstance(array, np.memmap):
            return True
        array = array.base
    return False


def written_state(client):
    """Answers of a worker that builds the state, once it is on disk."""
    first = answers(client)
    engine.wait_for_background_build()
    return first


def test_a_restarted_worker_maps_the_state_and_answers_the_same(client, state_dir, builds):
    first = written_state(client)
    assert first[0]["count"] > 0 and CASE in slugs(first[0])
    assert len(builds) == 1
    version = engine.snapshot().version
    assert [path.name for path in state_dir.iterdir()] == [state_files.directory_name(version)]
    # The worker that wrote it answers from the mapped files too (shared with the others).
    assert engine.snapshot().origin == "loaded"

    engine.reset_snapshot()  # the worker ends; the next one starts
    again = answers(client)
    assert again == first
    assert len(builds) == 1  # nothing built again
    state = engine.snapshot()
    assert state.origin == "loaded"
    assert mapped(state.ids) and mapped(state.columns["title"].codes)
    assert engine.related(CasePage.objects.get(slug=CASE).pk)


def test_a_worker_maps_the_state_another_worker_wrote_first(client, state_dir, monkeypatch):
    """Two workers patch after the same publish; the one that writes second maps the files
    of the first, whose entries may sit at other positions than in its own arrays."""
    first = written_state(client)
    version = engine.snapshot().version
    rows = SearchEntry.objects.values(*engine.ENTRY_COLUMNS).order_by("-id")
    own = engine.Snapshot(version, rows=rows.iterator())  # same entries, other positions
    monkeypatch.setattr(engine, "_snapshot", own)
    engine._keep_on_disk(own)
    engine.wait_for_background_build()

    state = engine.snapshot()
    assert state is not own and state.origin == "loaded" and mapped(state.ids)
    assert answers(client) == first


def _truncate(directory):
    path = directory / "column-title-codes.npy"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _foreign_format(directory):
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["format"] = 999
    (directory / "manifest.json").write_text(json.dumps(manifest))


def _missing_file(directory):
    (directory / "ids.npy").unlink()


@pytest.mark.parametrize("damage", [_truncate, _foreign_format, _missing_file])
def test_a_damaged_state_directory_is_ignored_and_built_again(
    client, state_dir, builds, caplog, damage
):
    first = written_state(client)
    (directory,) = state_dir.iterdir()
    damage(directory)
    engine.reset_snapshot()

    with caplog.at_level(logging.WARNING, logger="search.state_files"):
        assert answers(client) == first
    assert len(builds) == 2
    assert f"ignoring unreadable {directory}" in caplog.text

    engine.wait_for_background_build()
    engine.reset_snapshot()
    assert answers(client) == first
    assert len(builds) == 2  # the directory written again is whole: mapped, not built
    assert engine.snapshot().origin == "loaded"


def test_a_state_of_another_database_is_left_to_it(client, state_dir, builds, caplog):
    first = written_state(client)
    (directory,) = state_dir.iterdir()
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["database"] = "sqlite:::/elsewhere/db.sqlite3"
    (directory / "manifest.json").write_text(json.dumps(manifest))
    engine.reset_snapshot()

    with caplog.at_level(logging.WARNING, logger="search.state_files"):
        assert answers(client) == first
    assert len(builds) == 2
    assert "skipping" in caplog.text and "another database" in caplog.text
    assert directory.is_dir()  # not removed: its own workers may map it


def test_an_unwritable_state_directory_leaves_the_search_working(client, state_dir, builds, caplog):
    state_dir.parent.mkdir(exist_ok=True)
    state_dir.write_text("not a directory")  # as a read-only or full disk: no write succeeds
    with caplog.at_level(logging.WARNING, logger="search.state_files"):
        first = written_state(client)
    assert first[0]["count"] > 0
    assert "cannot write to" in caplog.text
    engine.reset_snapshot()
    assert answers(client) == first
    assert len(builds) == 2


def test_a_publish_after_the_state_was_written_is_found_after_the_catch_up(
    client, state_dir, builds
):
    written_state(client)
    old = engine.snapshot().version
    engine.reset_snapshot()  # the worker ends; meanwhile an editor publishes
    case = CasePage.objects.get(slug=CASE)
    case.summary = "Eine Kuckucksuhrwerkstatt im Dorfladen."
    case.save_revision().publish()

    answer = client.get("/api/search/", {"q": "Kuckucksuhrwerkstatt"}).json()
    assert slugs(answer) == [CASE]
    assert answer["count"] == 1
    assert len(builds) == 1  # patched from the state on disk, not built
    engine.wait_for_background_build()
    current = engine.snapshot().version
    assert current != old
    names = {path.name for path in state_dir.iterdir()}
    assert names == {state_files.directory_name(old), state_files.directory_name(current)}


@pytest.fixture
def held_build(monkeypatch, settings):
    """A full build that takes as long as the test says (a large library: seconds), with
    patching out of reach (as after a bulk change); requests wait for a first state as in
    production, bounded."""
    settings.SEARCH_STATE_REQUEST_WAIT_SECONDS = 2
    release = threading.Event()
    original = engine._build

    def held(version):
        release.wait(60)
        return original(version)

    monkeypatch.setattr(engine, "_build", held)
    monkeypatch.setattr(engine.Snapshot, "patched", lambda state, version: None)
    yield release
    release.set()


def test_a_restricted_case_never_shows_from_an_older_state_on_disk(client, state_dir, held_build):
    held_build.set()
    before = written_state(client)
    assert CASE in slugs(before[0])
    assert CASE in client.get("/suche/", {"q": "Gomadingen Dorfladen"}).content.decode()
    engine.reset_snapshot()
    held_build.clear()
    case = CasePage.objects.get(slug=CASE)
    PageViewRestriction.objects.create(page=case, restriction_type=PageViewRestriction.LOGIN)

    assert engine.warm_up() is not None  # the worker starts: the older state answers at once
    answer = client.get("/api/search/", {"q": "Dorfladen"})
    assert answer.status_code == 200
    assert engine.snapshot().origin == "loaded"
    assert answer.json()["results"] and CASE not in slugs(answer.json())
    page = client.get("/suche/", {"q": "Gomadingen Dorfladen"})
    assert page.status_code == 200
    assert CASE not in page.content.decode()

    held_build.set()
    engine.wait_for_background_build()
    after = client.get("/api/search/", {"q": "Dorfladen"}).json()
    assert CASE not in slugs(after)
    assert after["count"] == before[0]["count"] - 1
