"""Ranking quality on every backend, measured on the relevance set (tests/relevance/).

The thresholds hold the ranking: a change that makes search worse fails here. The measured
figures are printed (run with -s) and reported in the issue notes."""

import pytest
from django.core.management import call_command
from django.db import connection

from search.engine import SearchRequest, reset_snapshot, search
from search.evaluation import evaluate, load_judgements
from search.semantic import fusion, store

from .semantic_helpers import index_entries

# Words and meaning together (search/semantic/), the goals of issue 16.
MIN_MRR = 0.95
MIN_RECALL_AT_5 = 0.90
MIN_NDCG_AT_10 = 0.85
# No kind of query may be left behind.
MIN_MRR_PER_KIND = 0.85


def run_relevance(backend=None):
    reset_snapshot()
    store.reset_matrix()

    def run_query(query):
        return [
            hit.page.slug for hit in search(SearchRequest(query=query), backend=backend).results
        ]

    report = evaluate(run_query, load_judgements())
    print(f"\nBackend: {backend or connection.vendor}\n{report.table()}")
    return report


def assert_thresholds(report):
    overall = report.overall
    assert overall.mrr >= MIN_MRR, report.table()
    assert overall.recall >= MIN_RECALL_AT_5, report.table()
    assert overall.ndcg >= MIN_NDCG_AT_10, report.table()
    for kind, aggregate in report.by_kind().items():
        assert aggregate.mrr >= MIN_MRR_PER_KIND, (kind, report.table())


@pytest.fixture
def vectors():
    """Every entry embedded (tests/search/semantic_helpers.py), as the outbox would."""
    index_entries()


@pytest.mark.django_db
def test_relevance_on_the_database_backend(vectors):
    """SQLite FTS5 in the default run, PostgreSQL full text under DATABASE_URL; with the
    semantic search. The words alone are printed for comparison."""
    with fusion.ranking_mode("lexical"):
        run_relevance()
    assert_thresholds(run_relevance())


@pytest.fixture
def opensearch(osmem_url, settings):
    """An "opensearch" backend (opensearch3) against the osmem-server emulator, with the
    corpus indexed."""
    from search.index_settings import search_server_backend

    settings.WAGTAILSEARCH_BACKENDS = {
        **settings.WAGTAILSEARCH_BACKENDS,
        "opensearch": search_server_backend(osmem_url, index="test"),
    }
    call_command("update_index", backend_name="opensearch", verbosity=0)
    return "opensearch"


@pytest.mark.django_db
def test_relevance_on_the_opensearch_emulator(opensearch, vectors):
    assert_thresholds(run_relevance(backend=opensearch))
