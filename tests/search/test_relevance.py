"""Ranking quality on every backend, measured on the relevance set (tests/relevance/).

The thresholds hold the ranking: a change that makes search worse fails here. The measured
figures are printed (run with -s) and reported in the issue notes."""

import pytest
from django.db import connection

from search.engine import SearchRequest, reset_snapshot, search
from search.evaluation import evaluate, load_judgements
from search.semantic import fusion, store

from .semantic_helpers import index_entries

# Words and meaning together (search/semantic/): MRR, Recall@5, nDCG@10 overall and the MRR
# every kind of query must reach. The database backends hold the goals of issue 16; the
# engine path on the OpenSearch emulator holds what it reaches with the vectors on the whole
# set (0.937 / 0.920 / 0.860, every kind >= 0.863; words alone 0.815): short of 0.95 MRR,
# see the README.
GOALS = (0.95, 0.90, 0.85, 0.85)
EMULATOR_GOALS = (0.93, 0.91, 0.85, 0.85)


def run_relevance(backend=None, queries=None):
    reset_snapshot()
    store.reset_matrix()

    def run_query(query):
        return [
            hit.page.slug for hit in search(SearchRequest(query=query), backend=backend).results
        ]

    report = evaluate(run_query, queries if queries is not None else load_judgements())
    print(f"\nBackend: {backend or connection.vendor}\n{report.table()}")
    return report


def assert_thresholds(report, goals=GOALS):
    min_mrr, min_recall, min_ndcg, min_mrr_per_kind = goals
    overall = report.overall
    assert overall.mrr >= min_mrr, report.table()
    assert overall.recall >= min_recall, report.table()
    assert overall.ndcg >= min_ndcg, report.table()
    for kind, aggregate in report.by_kind().items():
        assert aggregate.mrr >= min_mrr_per_kind, (kind, report.table())


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
def engine_path(osmem_url, settings):
    """The engine path (search/engines/) against the osmem-server emulator, with the corpus
    indexed."""
    from search.engines.server import EngineConsumer
    from search.index_settings import search_engine

    settings.SEARCH_ENGINE = search_engine(osmem_url, index="test")
    EngineConsumer().rebuild()


@pytest.mark.django_db
def test_relevance_on_the_opensearch_emulator(vectors, engine_path):
    """The engine path ranks in the engine, one request per page: words and meaning fused
    (the documents carry the passage vectors; the emulator has no k-NN query, so the dense
    candidates come from the host's matrix as weighted ids, see search/engines/server.py).
    The words alone are printed for comparison."""
    with fusion.ranking_mode("lexical"):
        run_relevance(backend="engine")
    with fusion.ranking_mode("dense"):
        run_relevance(backend="engine")
    report = run_relevance(backend="engine")
    assert_thresholds(report, EMULATOR_GOALS)
