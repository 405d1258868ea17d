"""Ranking quality on every backend, measured on the relevance set (tests/relevance/).

The thresholds hold the ranking: a change that makes search worse fails here. The measured
figures are printed (run with -s) and reported in the issue notes."""

import pytest
from django.db import connection

from search.engine import SearchRequest, reset_snapshot, search
from search.evaluation import evaluate, load_judgements

MIN_MRR = 0.85
MIN_RECALL_AT_5 = 0.75
MIN_NDCG_AT_10 = 0.75
# No kind of query may be left behind.
MIN_MRR_PER_KIND = 0.7


def run_relevance(backend=None):
    reset_snapshot()

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


@pytest.mark.django_db
def test_relevance_on_the_database_backend():
    """SQLite FTS5 in the default run, PostgreSQL full text under DATABASE_URL."""
    assert_thresholds(run_relevance())


@pytest.fixture
def engine_path(osmem_url, settings):
    """The engine path (search/engines/) against the osmem-server emulator, with the corpus
    indexed."""
    from search.engines.server import EngineConsumer
    from search.index_settings import search_engine

    settings.SEARCH_ENGINE = search_engine(osmem_url, index="test")
    EngineConsumer().rebuild()


# Today's figure on the emulator, before the engine path (per-word retrieval through Wagtail's
# backend): the engine path must not rank worse.
MIN_MRR_EMULATOR = 0.902


@pytest.mark.django_db
def test_relevance_on_the_opensearch_emulator(engine_path):
    report = run_relevance(backend="engine")
    assert_thresholds(report)
    assert report.overall.mrr >= MIN_MRR_EMULATOR, report.table()
