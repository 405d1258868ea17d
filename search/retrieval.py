"""Candidate retrieval: the analysed query against the configured backend.

On the database backends the analysed terms of every SearchEntry are kept in a full-text
index of their own: an FTS5 table on SQLite, a weighted ``tsvector`` column with a GIN index
on PostgreSQL. One ranked statement returns the candidates with BM25 (SQLite) or
``ts_rank`` (PostgreSQL) scores. (Wagtail's database backend scores each row with a
correlated sub-query, which is far too slow for ten thousand cases.) ``search_words`` returns
every entry that matches each query word, all words in one statement (``UNION ALL``) and
without a cut, so totals and facet counts are exact.

OpenSearch and Elasticsearch get the same analysed terms through Wagtail's backend
(``modelsearch``), with the query expressed as nested And/Or of the terms.
"""

import logging

import numpy as np
from django.conf import settings
from django.db import connection
from modelsearch.query import And, Or, PlainText
from wagtail.search.backends import get_search_backend

from .analysis import WEIGHT_PART, WEIGHT_PHRASE_WORD
from .models import SearchEntry

logger = logging.getLogger(__name__)

# Only the search servers reached through Wagtail's backend are cut (they page through
# their hits); the database retrievers return every match.
MAX_CANDIDATES = 2000
# A query word that more entries than this have is matched without a text score (BM25 /
# ts_rank cost about as much per matching row as the rest of the search together; for a word
# this common the score hardly tells the entries apart, title and key facts still count).
MAX_SCORED_MATCHES = 3000
# Column weights: title, key facts (themes, tags, places), body.
SQLITE_WEIGHTS = (4.0, 2.5, 1.0)


# --- query expressions --------------------------------------------------------------------


def _alternatives(group, part_sets, part_weight, phrase_weight):
    """One query word as alternatives, each a list of terms that must all occur."""
    set_members = {term for part_set in part_sets for term in part_set}
    alternatives = [
        [term]
        for term, weight in group
        if weight != phrase_weight and not (weight == part_weight and term in set_members)
    ]
    alternatives.extend(list(part_set) for part_set in part_sets)
    phrase_words = [term for term, weight in group if weight == phrase_weight]
    if phrase_words:
        alternatives.append(phrase_words)
    return alternatives


def word_alternatives(group, part_sets):
    """One query word's alternatives for retrieval (lists of terms that must co-occur)."""
    return _alternatives(group, part_sets, WEIGHT_PART, WEIGHT_PHRASE_WORD)


def _clean(term):
    return "".join(ch for ch in term if ch.isalnum())


def _boolean_expression(structure, strict, quote, and_, or_):
    """The query as a boolean expression: AND/OR over the words, OR over a word's
    alternatives, AND inside an alternative."""
    groups = []
    for alternatives in structure:
        parts = []
        for terms in alternatives:
            cleaned = [quote(_clean(t)) for t in terms if _clean(t)]
            if cleaned:
                parts.append(cleaned[0] if len(cleaned) == 1 else "(" + and_.join(cleaned) + ")")
        if parts:
            groups.append("(" + or_.join(parts) + ")")
    return (and_ if strict else or_).join(groups)


def fts5_expression(structure, strict):
    return _boolean_expression(structure, strict, lambda t: f'"{t}"', " AND ", " OR ")


def tsquery_expression(structure, strict):
    return _boolean_expression(structure, strict, lambda t: t, " & ", " | ")


def modelsearch_query(structure, strict):
    def all_of(terms):
        return PlainText(terms[0]) if len(terms) == 1 else And([PlainText(t) for t in terms])

    groups = []
    for alternatives in structure:
        options = [all_of(terms) for terms in alternatives]
        groups.append(options[0] if len(options) == 1 else Or(options))
    if len(groups) == 1:
        return groups[0]
    return And(groups) if strict else Or(groups)


def _no_matches():
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)


def _split_by_word(rows, words, sign):
    """Rows (word, entry id, score), ordered by word, as (entry ids, scores) arrays per word
    (converted at once: a common word has tens of thousands of rows)."""
    if not rows:
        return [_no_matches() for _word in range(words)]
    table = np.array(rows, dtype=np.float64)
    bounds = np.searchsorted(table[:, 0], np.arange(words + 1))
    return [
        (table[start:end, 1].astype(np.int64), sign * table[start:end, 2])
        for start, end in zip(bounds[:-1], bounds[1:], strict=True)
    ]


# --- retrievers ---------------------------------------------------------------------------


class SQLiteRetriever:
    name = "sqlite-fts5"

    def search(self, structure, strict):
        expression = fts5_expression(structure, strict)
        if not expression:
            return []
        weights = ", ".join(str(w) for w in SQLITE_WEIGHTS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, bm25(search_fts, {weights}) AS score FROM search_fts "  # noqa: S608
                "WHERE search_fts MATCH %s ORDER BY score LIMIT %s",
                [expression, MAX_CANDIDATES],
            )
            # bm25() is negative: the more negative, the better.
            return [(pk, -score) for pk, score in cursor.fetchall()]

    def search_words(self, structures, scored=None):
        """Per query word (a structure of alternatives): every matching (entry id, score),
        best first; all words in one statement. Words whose ``scored`` is False are matched
        without a score (0 for every entry; see MAX_SCORED_MATCHES)."""
        weights = ", ".join(str(w) for w in SQLITE_WEIGHTS)
        parts, params = [], []
        for number, structure in enumerate(structures):
            expression = fts5_expression(structure, True)
            if expression:
                score = (
                    f"bm25(search_fts, {weights})" if scored is None or scored[number] else "0.0"
                )
                parts.append(
                    f"SELECT {number} AS word, rowid, {score} AS score "  # noqa: S608
                    "FROM search_fts WHERE search_fts MATCH %s"
                )
                params.append(expression)
        if not parts:
            return [_no_matches() for _structure in structures]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts) + " ORDER BY 1, 3, 2", params)
            # bm25() is negative: lower is better.
            return _split_by_word(cursor.fetchall(), len(structures), -1.0)

    def update(self, entry):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts WHERE rowid = %s", [entry.pk])
            cursor.execute(
                "INSERT INTO search_fts (rowid, title, key_terms, body_terms) "
                "VALUES (%s, %s, %s, %s)",
                [entry.pk, entry.title, entry.key_terms, entry.body_terms],
            )

    def remove(self, entry_id):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts WHERE rowid = %s", [entry_id])

    def rebuild(self):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts")
            cursor.execute(
                "INSERT INTO search_fts (rowid, title, key_terms, body_terms) "
                "SELECT id, title, key_terms, body_terms FROM search_searchentry"
            )


class PostgresRetriever:
    """ts_rank without length normalisation: dividing by the document length pushed the
    richly documented cases below short stubs (MRR 0.865 -> 0.936 on the relevance set)."""

    name = "postgresql-fts"
    VECTOR = (
        "setweight(to_tsvector('simple', title), 'A') || "
        "setweight(to_tsvector('simple', key_terms), 'B') || "
        "setweight(to_tsvector('simple', body_terms), 'C')"
    )

    def search(self, structure, strict):
        expression = tsquery_expression(structure, strict)
        if not expression:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, ts_rank(search_vector, query, 0) AS score "
                "FROM search_searchentry, to_tsquery('simple', %s) query "
                "WHERE search_vector @@ query ORDER BY score DESC LIMIT %s",
                [expression, MAX_CANDIDATES],
            )
            return cursor.fetchall()

    def search_words(self, structures, scored=None):
        """Per query word: every matching (entry id, score), best first; one statement.
        Words whose ``scored`` is False are matched without a score."""
        parts, params = [], []
        for number, structure in enumerate(structures):
            expression = tsquery_expression(structure, True)
            if not expression:
                continue
            if scored is None or scored[number]:
                parts.append(
                    f"SELECT {number} AS word, id, "  # noqa: S608
                    "ts_rank(search_vector, to_tsquery('simple', %s), 0) AS score "
                    "FROM search_searchentry WHERE search_vector @@ to_tsquery('simple', %s)"
                )
                params.extend([expression, expression])
            else:
                parts.append(
                    f"SELECT {number} AS word, id, 0.0 AS score "  # noqa: S608
                    "FROM search_searchentry WHERE search_vector @@ to_tsquery('simple', %s)"
                )
                params.append(expression)
        if not parts:
            return [_no_matches() for _structure in structures]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts) + " ORDER BY 1, 3 DESC, 2", params)
            return _split_by_word(cursor.fetchall(), len(structures), 1.0)

    def update(self, entry):
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE search_searchentry SET search_vector = {self.VECTOR} WHERE id = %s",  # noqa: S608
                [entry.pk],
            )

    def remove(self, entry_id):
        """The vector lives in the entry's row and goes with it."""

    def rebuild(self):
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE search_searchentry SET search_vector = {self.VECTOR}")  # noqa: S608


class WagtailBackendRetriever:
    """OpenSearch / Elasticsearch (or any other Wagtail backend) through modelsearch."""

    # The fields our analyzer filled; the server's own German analysis of "heading" and
    # "text" is there for direct use of the index (Kibana, other clients).
    fields = ["title", "key_terms", "body_terms"]

    def __init__(self, name):
        self.name = name

    def search(self, structure, strict):
        if not structure:
            return []
        backend = get_search_backend(self.name)
        query = modelsearch_query(structure, strict)
        results = backend.search(
            query, SearchEntry.objects.only("id"), fields=self.fields
        ).annotate_score("_score")
        return [(entry.pk, float(entry._score or 0)) for entry in results[:MAX_CANDIDATES]]

    def search_words(self, structures, scored=None):
        """One search per query word: the server pages through its hits."""
        return [self.search([structure], True) for structure in structures]

    def update(self, entry):
        """modelsearch's signal handlers index the entry."""

    def remove(self, entry_id):
        """modelsearch's signal handlers remove the entry."""

    def rebuild(self):
        """`manage.py update_index` rebuilds Wagtail's backends."""


def database_retriever():
    if connection.vendor == "sqlite":
        return SQLiteRetriever()
    if connection.vendor == "postgresql":
        return PostgresRetriever()
    raise NotImplementedError(f"No full-text retrieval for {connection.vendor}")


def retriever_for(backend_name=None):
    """The retriever for a Wagtail search backend alias ("default" if None)."""
    name = backend_name or "default"
    config = settings.WAGTAILSEARCH_BACKENDS.get(name)
    if config is None:
        raise KeyError(name)
    if config["BACKEND"].rsplit(".", 1)[-1] == "database" or ".database" in config["BACKEND"]:
        return database_retriever()
    return WagtailBackendRetriever(name)


def server_backends():
    """The configured search servers (OpenSearch / Elasticsearch), by alias."""
    return [
        get_search_backend(name)
        for name, config in settings.WAGTAILSEARCH_BACKENDS.items()
        if ".database" not in config["BACKEND"] and not config["BACKEND"].endswith("database")
    ]
