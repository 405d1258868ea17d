import os

import pytest
from django.core.cache import cache
from django.core.management import call_command
from hypothesis import settings

from casestudies.models import CaseLibraryPage, CasePage
from core.cache import clear_page_cache
from home.models import HomePage
from tests.browser.demo_database import DemoDatabase


def _clear_caches():
    # Wagtail caches site root paths; a stale entry raises Site.DoesNotExist. The content
    # generation (core.cache) is a row in the database, rolled back after each test; the
    # process-local memos (core.memo) start empty in each test.
    from core import memo

    cache.clear()
    clear_page_cache()
    memo.clear()


@pytest.fixture(autouse=True)
def _clear_cache():
    _clear_caches()
    yield
    _clear_caches()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the page tree, the demo library and the generated distractors of the relevance
    set once (``load_search_corpus``); each test runs in a rolled-back transaction on top."""
    from search.engine import reset_snapshot

    with django_db_blocker.unblock():
        call_command("load_search_corpus", verbosity=0)
        cache.clear()
        reset_snapshot()


class DemoSite:
    def __init__(self):
        self.home = HomePage.objects.get()
        self.library = CaseLibraryPage.objects.get()

    def case(self, slug):
        return CasePage.objects.get(slug=slug)


@pytest.fixture
def demo_site(request, db):
    """The demo content: page tree, themes and demo cases. Loaded by ``django_db_setup`` for
    the tests in a transaction; the browser tests (transactional, live server) get it from
    tests/browser/demo_database.py; loaded here for any other test on an empty database."""
    if not CasePage.objects.exists():
        call_command("load_demo", verbosity=0)
        cache.clear()
    return DemoSite()


@pytest.fixture(scope="session")
def demo_database():
    """The demo content for transactional tests (browser tests and those with
    ``transaction=True``), which start on a database emptied by the one before them:
    ``demo_database.restore()`` copies it back (tests/browser/demo_database.py)."""
    return DemoDatabase()


# Fixtures that reach the database; a test marked ``db_independent`` (left out of the
# PostgreSQL run) must use none of them, or the PostgreSQL run would lose coverage.
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def _is_transactional(item):
    marker = item.get_closest_marker("django_db")
    return bool(
        (marker and marker.kwargs.get("transaction"))
        or {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    )


@pytest.hookimpl(tryfirst=True)  # before -m selects by the marks set here
def pytest_collection_modifyitems(config, items):
    """Transactional tests empty every table after them (the session's corpus included), and
    pytest-xdist hands out test files by size, not in pytest-django's order (transactional
    last): they are marked ``transactional`` and run in a pytest run of their own (Makefile).

    A test marked ``db_independent`` that asks for the database is a mistake in the mark:
    stop before running anything rather than drop it silently from the PostgreSQL run."""
    for item in items:
        if _is_transactional(item):
            item.add_marker(pytest.mark.transactional)
    wrong = [
        item.nodeid
        for item in items
        if item.get_closest_marker("db_independent")
        and (
            item.get_closest_marker("django_db")
            or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
    ]
    if wrong:
        raise pytest.UsageError(f"db_independent, but uses the database: {wrong}")


def pytest_sessionfinish(session, exitstatus):
    """Under CI=true nothing may be skipped: a skipped test fails the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") == "true" and reporter and reporter.stats.get("skipped"):
        reporter.write_line("CI=true: skipped tests count as failures.", red=True)
        session.exitstatus = 1


# Property-based tests (tests/test_fuzz_params.py): a bounded number of examples per test so
# the file runs in about a minute. Under CI=true derandomized: the same examples every run.
settings.register_profile("fuzz", max_examples=40, print_blob=True)
settings.register_profile("fuzz-ci", parent=settings.get_profile("fuzz"), derandomize=True)
# A longer exploration by hand: HYPOTHESIS_PROFILE=fuzz-long pytest tests/test_fuzz_params.py
settings.register_profile("fuzz-long", max_examples=400, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("fuzz-ci" if os.environ.get("CI") == "true" else "fuzz")
)
