"""Offline relevance evaluation for the case search.

The relevance test set (``tests/relevance/judgements.json``, described in the README next to
it) lists queries with graded judgements: 3 = the case a user is looking for, 2 = clearly
relevant, 1 = somewhat relevant; a case that is not listed counts as 0.

The metric functions are pure: they take the ranked slugs a search returned and the
judgements of one query. ``evaluate`` runs every query through a caller-supplied function
(``query text -> ranked slugs``) and collects the metrics into a ``Report``. Nothing here
touches the database or the search backend, so the metrics can be tested on their own and the
``evaluate_search`` management command decides what actually runs the queries.
"""

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean

DEFAULT_JUDGEMENTS_PATH = (
    Path(__file__).resolve().parent.parent / "tests" / "relevance" / "judgements.json"
)

# Query kinds in the order the report lists them; kinds not named here follow alphabetically.
KINDS = (
    "exact",
    "inflection",
    "compound",
    "umlaut",
    "typo",
    "place",
    "question",
    "paraphrase",
    "english",
    "problem",
)
MAX_GRADE = 3
RECALL_K = 5
NDCG_K = 10
OVERALL = "overall"


def _unique(ranked: Iterable[str]) -> list[str]:
    """The ranked slugs without repeats; a case counts once, at its best position."""
    return list(dict.fromkeys(ranked))


def reciprocal_rank(
    ranked_slugs: Sequence[str], judgements: Mapping[str, int], min_grade: int = 2
) -> float:
    """1 / position of the first result graded at least ``min_grade``; 0.0 if there is none.

    >>> reciprocal_rank(["a", "b", "c"], {"b": 3})
    0.5
    """
    for position, slug in enumerate(_unique(ranked_slugs), start=1):
        if judgements.get(slug, 0) >= min_grade:
            return 1.0 / position
    return 0.0


def recall_at_k(
    ranked: Sequence[str], judgements: Mapping[str, int], k: int = RECALL_K, min_grade: int = 2
) -> float:
    """Share of the cases graded at least ``min_grade`` that appear in the top ``k`` results.

    The denominator is the number of such cases, so a query with more than ``k`` of them can
    not reach 1.0. A query without any such case scores 0.0 (``load_judgements`` rejects
    those).

    >>> recall_at_k(["a", "x", "b"], {"a": 3, "b": 2, "c": 2}, k=2)
    0.3333333333333333
    """
    relevant = {slug for slug, grade in judgements.items() if grade >= min_grade}
    if not relevant:
        return 0.0
    found = relevant.intersection(_unique(ranked)[:k])
    return len(found) / len(relevant)


def _dcg(grades: Iterable[int]) -> float:
    """Discounted cumulative gain with gains 2**grade - 1 and a log2(position + 1) discount."""
    return sum(
        (2**grade - 1) / math.log2(position + 1) for position, grade in enumerate(grades, start=1)
    )


def ndcg_at_k(ranked: Sequence[str], judgements: Mapping[str, int], k: int = NDCG_K) -> float:
    """Normalised discounted cumulative gain of the top ``k`` results.

    DCG@k = sum over positions i = 1..k of (2**grade_i - 1) / log2(i + 1), where grade_i is the
    judgement of the result at position i (0 when unjudged). The ideal DCG is the DCG of the
    judged cases sorted by grade, cut at ``k``. Returns 0.0 when nothing is judged relevant.

    >>> round(ndcg_at_k(["b", "a"], {"a": 3, "b": 1}), 4)
    0.7098
    """
    ideal = _dcg(sorted((g for g in judgements.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    actual = _dcg(judgements.get(slug, 0) for slug in _unique(ranked)[:k])
    return actual / ideal


@dataclass(frozen=True)
class Query:
    """One query of the relevance test set."""

    id: str
    kind: str
    query: str
    judgements: Mapping[str, int]
    note: str = ""

    def relevant(self, min_grade: int = 2) -> list[str]:
        """Judged slugs with at least ``min_grade``, best grade first."""
        return sorted(
            (slug for slug, grade in self.judgements.items() if grade >= min_grade),
            key=lambda slug: (-self.judgements[slug], slug),
        )


def load_judgements(path: str | Path | None = None) -> list[Query]:
    """Read and validate the relevance test set (default: ``tests/relevance/judgements.json``).

    Raises ``ValueError`` for a malformed file: duplicate ids, empty queries, grades outside
    0..3, or a query without any case graded 2 or 3 (it could never score).
    """
    path = Path(path) if path else DEFAULT_JUDGEMENTS_PATH
    with path.open(encoding="utf-8") as handle:
        raw = json.load(handle)
    queries = []
    seen = set()
    for item in raw:
        query = Query(
            id=str(item["id"]),
            kind=str(item["kind"]),
            query=str(item["query"]).strip(),
            judgements={str(slug): grade for slug, grade in item["judgements"].items()},
            note=str(item.get("note", "")),
        )
        problem = None
        if query.id in seen:
            problem = "duplicate id"
        elif not query.query:
            problem = "empty query"
        elif any(
            not isinstance(grade, int) or not 0 <= grade <= MAX_GRADE
            for grade in query.judgements.values()
        ):
            problem = f"grades must be integers from 0 to {MAX_GRADE}"
        elif not query.relevant():
            problem = "no case graded 2 or 3"
        if problem:
            raise ValueError(f"{path}: query {query.id!r}: {problem}")
        seen.add(query.id)
        queries.append(query)
    return queries


@dataclass(frozen=True)
class QueryResult:
    """The metrics of one query, with the ranking that produced them."""

    query: Query
    ranked: list[str]
    reciprocal_rank: float
    recall: float
    ndcg: float

    def describe(self, top: int = NDCG_K) -> str:
        """A few lines for debugging: the scores, the top results with their grades and the
        cases graded 2 or 3 that did not make the top ``top``."""
        q = self.query
        lines = [
            f"{q.id} [{q.kind}] {q.query!r}: RR {self.reciprocal_rank:.3f}, "
            f"Recall@{RECALL_K} {self.recall:.3f}, nDCG@{NDCG_K} {self.ndcg:.3f}"
        ]
        shown = _unique(self.ranked)[:top]
        if not shown:
            lines.append("    (no results)")
        for position, slug in enumerate(shown, start=1):
            lines.append(f"    {position:2d}. [{q.judgements.get(slug, 0)}] {slug}")
        missing = [slug for slug in q.relevant() if slug not in shown]
        if missing:
            graded = ", ".join(f"{slug} [{q.judgements[slug]}]" for slug in missing)
            lines.append(f"    missing: {graded}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Aggregate:
    """Mean metrics over a group of queries."""

    n: int
    mrr: float
    recall: float
    ndcg: float

    @classmethod
    def of(cls, results: Sequence[QueryResult]) -> "Aggregate":
        if not results:
            return cls(0, 0.0, 0.0, 0.0)
        return cls(
            n=len(results),
            mrr=fmean(r.reciprocal_rank for r in results),
            recall=fmean(r.recall for r in results),
            ndcg=fmean(r.ndcg for r in results),
        )


@dataclass
class Report:
    """Per-query metrics with means per query kind and over all queries.

    The overall row is the mean over all queries (each query weighs the same), not the mean
    of the kind means.
    """

    results: list[QueryResult] = field(default_factory=list)

    @property
    def overall(self) -> Aggregate:
        return Aggregate.of(self.results)

    @property
    def mrr(self) -> float:
        return self.overall.mrr

    def by_kind(self) -> dict[str, Aggregate]:
        """Aggregates per query kind, in the order of ``KINDS``."""
        groups: dict[str, list[QueryResult]] = {}
        for result in self.results:
            groups.setdefault(result.query.kind, []).append(result)
        order = [kind for kind in KINDS if kind in groups]
        order += sorted(kind for kind in groups if kind not in KINDS)
        return {kind: Aggregate.of(groups[kind]) for kind in order}

    def table(self) -> str:
        """The aggregates as a fixed-width text table: one row per kind, then overall."""
        header = ("kind", "n", "MRR", f"Recall@{RECALL_K}", f"nDCG@{NDCG_K}")
        rows = [(kind, agg) for kind, agg in self.by_kind().items()]
        rows.append((OVERALL, self.overall))
        width = max(len(header[0]), *(len(kind) for kind, _ in rows))
        line = f"{{:<{width}}}  {{:>4}}  {{:>6}}  {{:>9}}  {{:>8}}"
        head = line.format(*header)
        rule = "-" * len(head)
        out = [head, rule]
        for kind, agg in rows:
            if kind == OVERALL:
                out.append(rule)
            out.append(
                line.format(kind, agg.n, f"{agg.mrr:.3f}", f"{agg.recall:.3f}", f"{agg.ndcg:.3f}")
            )
        return "\n".join(out)

    def failures(self, min_rr: float = 1.0, limit: int | None = None) -> list[QueryResult]:
        """Queries whose reciprocal rank is below ``min_rr``, worst first (then by nDCG)."""
        failing = [r for r in self.results if r.reciprocal_rank < min_rr]
        failing.sort(key=lambda r: (r.reciprocal_rank, r.ndcg, r.query.id))
        return failing if limit is None else failing[:limit]


def comparison_table(reports: Mapping[str, Report]) -> str:
    """Several reports side by side (e.g. lexical, dense, fused): per kind and overall, the
    MRR, Recall@5 and nDCG@10 of each."""
    names = list(reports)
    first = reports[names[0]]
    kinds = list(first.by_kind())
    per_kind = {name: report.by_kind() for name, report in reports.items()}
    width = max(len("kind"), len(OVERALL), *(len(kind) for kind in kinds))
    metrics = ("MRR", f"R@{RECALL_K}", f"nDCG@{NDCG_K}")
    head = f"{'':<{width}}  {'':>4}" + "".join(f"  {name:^22}" for name in names)
    sub = f"{'kind':<{width}}  {'n':>4}" + "".join(
        "  " + " ".join(f"{metric:>7}" for metric in metrics) for _name in names
    )
    rule = "-" * len(sub)
    lines = [head, sub, rule]

    def row(label, aggregates):
        cells = "".join(
            "  " + " ".join(f"{value:>7.3f}" for value in (agg.mrr, agg.recall, agg.ndcg))
            for agg in aggregates
        )
        return f"{label:<{width}}  {aggregates[0].n:>4}" + cells

    for kind in kinds:
        lines.append(row(kind, [per_kind[name][kind] for name in names]))
    lines.append(rule)
    lines.append(row(OVERALL, [reports[name].overall for name in names]))
    return "\n".join(lines)


def evaluate(run_query: Callable[[str], Sequence[str]], queries: Iterable[Query]) -> Report:
    """Run every query through ``run_query`` (query text -> ranked slugs) and score it."""
    report = Report()
    for query in queries:
        ranked = list(run_query(query.query))
        report.results.append(
            QueryResult(
                query=query,
                ranked=ranked,
                reciprocal_rank=reciprocal_rank(ranked, query.judgements),
                recall=recall_at_k(ranked, query.judgements),
                ndcg=ndcg_at_k(ranked, query.judgements),
            )
        )
    return report
