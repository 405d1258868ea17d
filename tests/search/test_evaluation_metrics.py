"""Relevance metrics, the judgements file and the evaluate_search command, without a database.

The expected values are worked out by hand in the comments; log2(2) = 1, log2(3) ~ 1.585.
"""

import json
import math
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from devtools.fake import generate_records
from search.evaluation import (
    KINDS,
    Query,
    evaluate,
    load_judgements,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
)

# Metrics and the judgements file, no database; the same on every database.
pytestmark = pytest.mark.db_independent

DEMO_CASES = Path(__file__).resolve().parents[2] / "casestudies" / "demo_data" / "cases.json"
JUDGEMENTS = {"a": 3, "b": 2, "c": 1}


# --- reciprocal rank ---------------------------------------------------------------------


def test_reciprocal_rank_of_a_perfect_ranking_is_one():
    assert reciprocal_rank(["a", "b", "c"], JUDGEMENTS) == 1.0


def test_reciprocal_rank_of_an_empty_ranking_is_zero():
    assert reciprocal_rank([], JUDGEMENTS) == 0.0


def test_reciprocal_rank_uses_the_first_result_with_the_minimum_grade():
    # "c" (grade 1) and "x" (unjudged) do not count; "b" is third.
    assert reciprocal_rank(["c", "x", "b", "a"], JUDGEMENTS) == pytest.approx(1 / 3)
    assert reciprocal_rank(["c", "x", "b"], JUDGEMENTS, min_grade=1) == 1.0
    assert reciprocal_rank(["x", "c"], JUDGEMENTS) == 0.0


def test_a_repeated_result_takes_one_position():
    assert reciprocal_rank(["x", "x", "a"], JUDGEMENTS) == 0.5


# --- recall ------------------------------------------------------------------------------


def test_recall_counts_cases_graded_two_or_more_in_the_top_k():
    assert recall_at_k(["a", "b"], JUDGEMENTS) == 1.0
    assert recall_at_k([], JUDGEMENTS) == 0.0
    # Only "a" of {"a", "b"} is in the top 2; "c" (grade 1) does not matter.
    assert recall_at_k(["c", "a", "b"], JUDGEMENTS, k=2) == 0.5
    assert recall_at_k(["x", "y", "z", "w", "v", "a"], JUDGEMENTS, k=5) == 0.0


def test_recall_without_relevant_cases_is_zero():
    assert recall_at_k(["a"], {"a": 1}) == 0.0


# --- nDCG --------------------------------------------------------------------------------


def test_ndcg_of_the_ideal_ranking_is_one():
    assert ndcg_at_k(["a", "b", "c"], JUDGEMENTS) == pytest.approx(1.0)


def test_ndcg_of_an_empty_ranking_is_zero():
    assert ndcg_at_k([], JUDGEMENTS) == 0.0


def test_ndcg_known_values():
    # DCG of [b, a] with b = 1, a = 3: (2**1 - 1) / log2(2) + (2**3 - 1) / log2(3)
    #   = 1 + 7 / 1.585 = 5.4165; ideal [a, b]: 7 + 1 / 1.585 = 7.6309; ratio 0.7098.
    assert ndcg_at_k(["b", "a"], {"a": 3, "b": 1}) == pytest.approx(0.7098, abs=1e-4)
    # One unjudged result in front of the only relevant case: (7 / log2(3)) / 7 = 0.6309.
    assert ndcg_at_k(["x", "a"], {"a": 3}) == pytest.approx(1 / math.log2(3))
    expected = (1 + 7 / math.log2(3)) / (7 + 1 / math.log2(3))
    assert ndcg_at_k(["b", "a"], {"a": 3, "b": 1}) == pytest.approx(expected)


def test_ndcg_ignores_results_below_k_and_ideal_is_cut_at_k():
    assert ndcg_at_k(["x", "a"], {"a": 3}, k=1) == 0.0
    # Ideal DCG@1 is 7 (grade 3); the ranking [b] gains 3 (grade 2).
    assert ndcg_at_k(["b"], JUDGEMENTS, k=1) == pytest.approx(3 / 7)


# --- evaluate and report -----------------------------------------------------------------


def make_queries():
    return [
        Query("q1", "exact", "one", {"a": 3, "b": 2}),
        Query("q2", "exact", "two", {"c": 3}),
        Query("q3", "typo", "three", {"d": 2}),
    ]


RANKINGS = {"one": ["a", "b"], "two": ["x", "c"], "three": []}


def test_evaluate_reports_means_per_kind_and_overall():
    report = evaluate(RANKINGS.__getitem__, make_queries())

    exact = report.by_kind()["exact"]
    assert exact.n == 2
    assert exact.mrr == pytest.approx(0.75)  # (1 + 1/2) / 2
    assert exact.recall == pytest.approx(1.0)
    assert report.overall.n == 3
    assert report.mrr == pytest.approx(0.5)  # (1 + 1/2 + 0) / 3
    assert list(report.by_kind()) == ["exact", "typo"]

    table = report.table()
    lines = table.splitlines()
    assert "MRR" in lines[0] and "Recall@5" in lines[0] and "nDCG@10" in lines[0]
    # Recall (1 + 1 + 0) / 3; nDCG (1 + 1 / log2(3) + 0) / 3 = (1 + 0.6309) / 3 = 0.5436.
    assert lines[-1].split() == ["overall", "3", "0.500", "0.667", "0.544"]


def test_failures_list_the_worst_queries_first_with_their_results():
    report = evaluate(RANKINGS.__getitem__, make_queries())

    failures = report.failures()
    assert [r.query.id for r in failures] == ["q3", "q2"]
    assert [r.query.id for r in report.failures(min_rr=0.6, limit=1)] == ["q3"]
    text = failures[1].describe()
    assert "1. [0] x" in text and "2. [3] c" in text
    assert "(no results)" in failures[0].describe()
    assert "missing: d [2]" in failures[0].describe()


# --- the judgements file -----------------------------------------------------------------


def test_the_relevance_set_covers_every_kind():
    queries = load_judgements()

    assert len(queries) >= 66
    counts = Counter(query.kind for query in queries)
    assert set(counts) == set(KINDS)
    assert min(counts.values()) >= 6
    assert len({query.id for query in queries}) == len(queries)


def test_every_judged_slug_is_in_the_evaluation_corpus():
    with DEMO_CASES.open(encoding="utf-8") as handle:
        corpus = {record["slug"] for record in json.load(handle)}
    corpus |= {record["slug"] for record in generate_records(300, seed=42)}

    unknown = {
        (query.id, slug)
        for query in load_judgements()
        for slug in query.judgements
        if slug not in corpus
    }
    assert not unknown


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"id": "q1", "kind": "exact", "query": "x", "judgements": {"a": 1}}, "graded 2 or 3"),
        ({"id": "q1", "kind": "exact", "query": "x", "judgements": {"a": 4}}, "grades"),
        ({"id": "q1", "kind": "exact", "query": " ", "judgements": {"a": 3}}, "empty query"),
    ],
)
def test_load_judgements_rejects_unusable_queries(tmp_path, entry, message):
    path = tmp_path / "judgements.json"
    path.write_text(json.dumps([entry]), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_judgements(path)


def test_load_judgements_rejects_duplicate_ids(tmp_path):
    entry = {"id": "q1", "kind": "exact", "query": "x", "judgements": {"a": 3}}
    path = tmp_path / "judgements.json"
    path.write_text(json.dumps([entry, entry]), encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate id"):
        load_judgements(path)


# --- the evaluate_search command, with a stand-in for the search engine ------------------


def ideal_run_query():
    """Returns every query's judged cases, best grade first: a perfect engine."""
    by_text = {query.query: query for query in load_judgements()}
    return lambda text: by_text[text].relevant(min_grade=1)


def test_command_prints_backend_and_table():
    out = StringIO()
    call_command("evaluate_search", run_query=ideal_run_query(), min_mrr=0.85, stdout=out)

    output = out.getvalue()
    assert output.startswith("Backend: default")
    assert "overall" in output
    for kind in KINDS:
        assert f"\n{kind} " in output


def test_command_filters_by_kind_and_prints_failures():
    out = StringIO()
    call_command("evaluate_search", run_query=lambda text: [], kind="typo", failures=2, stdout=out)

    output = out.getvalue()
    assert "\ntypo " in output and "\nexact " not in output
    assert output.count("(no results)") == 2


def test_command_fails_below_min_mrr():
    with pytest.raises(CommandError, match="below --min-mrr"):
        call_command("evaluate_search", run_query=lambda text: [], min_mrr=0.85, stdout=StringIO())


def test_command_rejects_an_unknown_kind():
    with pytest.raises(CommandError, match="No queries of kind"):
        call_command("evaluate_search", run_query=lambda text: [], kind="nope")


def test_command_compares_words_meaning_and_both():
    out = StringIO()
    call_command("evaluate_search", run_query=ideal_run_query(), compare=True, stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[1].split() == ["lexical", "dense", "fused"]
    overall = next(line for line in lines if line.startswith("overall")).split()
    assert overall[2:] == ["1.000"] * 9
    assert any(line.startswith("paraphrase ") for line in lines)
