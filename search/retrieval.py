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
from django.db import connection, transaction
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


def _unpacked(packed_ids, packed_scores):
    """(entry ids, scores) from PostgreSQL's int4send / float4send bytes (big-endian), best
    first, ties by id (no scores: 0 each, by id)."""
    if packed_ids is None:
        return _no_matches()
    ids = np.frombuffer(packed_ids, dtype=">i4").astype(np.int64)
    if packed_scores is None:
        return np.sort(ids), np.zeros(len(ids))
    scores = np.frombuffer(packed_scores, dtype=">f4").astype(np.float64)
    order = np.lexsort((ids, -scores))
    return ids[order], scores[order]


def _through_index(sql, params):
    """The rows of a statement on search_fulltext, planned without sequential scans. The
    planner reads a word in a sixth of the entries as cheaper to scan (random page cost)
    but then tests the tsquery against every vector of the table: at 100,000 cases 200 ms
    for such a word, against 60 ms through the GIN index (both from shared buffers)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        # SET LOCAL would last to the end of a caller's transaction.
        cursor.execute("RESET enable_seqscan")
    return rows


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

    # Returns every match of every word (clauses are not used): measured fast enough on
    # SQLite at 100,000 cases, where PostgreSQL was not (README, search with many cases).
    restricts = False

    def search_words(self, structures, scored=None, clauses=None):
        """Per query word (a structure of alternatives): every matching (entry id, score),
        best first; all words in one statement. Words whose ``scored`` is False are matched
        without a score (0 for every entry; see MAX_SCORED_MATCHES) and come back as one
        text of ids each: at 100,000 cases such a word has tens of thousands of matches, and
        a Python tuple per match cost three times the search itself (104,000 rows: 60 ms
        against 13 ms of matching). ``clauses`` is not used: every match of every word is
        returned."""
        weights = ", ".join(str(w) for w in SQLITE_WEIGHTS)
        parts, params = [], []
        for number, structure in enumerate(structures):
            expression = fts5_expression(structure, True)
            if not expression:
                continue
            if scored is None or scored[number]:
                parts.append(
                    f"SELECT {number} AS word, rowid, bm25(search_fts, {weights}) AS score, "  # noqa: S608
                    "NULL AS ids FROM search_fts WHERE search_fts MATCH %s"
                )
            else:
                parts.append(
                    f"SELECT {number}, NULL, NULL, (SELECT group_concat(rowid) FROM "  # noqa: S608
                    "(SELECT rowid FROM search_fts WHERE search_fts MATCH %s ORDER BY rowid))"
                )
            params.append(expression)
        if not parts:
            return [_no_matches() for _structure in structures]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts) + " ORDER BY 1, 3, 2", params)
            rows = cursor.fetchall()
        listed = {word: ids for word, _pk, _score, ids in rows if ids is not None}
        # bm25() is negative: lower is better.
        found = _split_by_word(
            [row[:3] for row in rows if row[1] is not None], len(structures), -1.0
        )
        for word, ids in listed.items():
            ids = np.sort(np.fromstring(ids, dtype=np.int64, sep=","))
            found[word] = ids, np.zeros(len(ids))
        return found

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
    richly documented cases below short stubs (MRR 0.865 -> 0.936 on the relevance set).

    The vectors live in the narrow table search_fulltext (migration 0009), out of line: a
    query reads the ids of the matching entries from its few hundred heap pages and reads a
    vector only to score it."""

    name = "postgresql-fts"
    # search_words takes clauses: only entries covering enough of the query come back.
    restricts = True
    VECTOR = (
        "setweight(to_tsvector('simple', title), 'A') || "
        "setweight(to_tsvector('simple', key_terms), 'B') || "
        "setweight(to_tsvector('simple', body_terms), 'C')"
    )
    RANK = "ts_rank(search_vector, to_tsquery('simple', %s), 0)"

    def search(self, structure, strict):
        expression = tsquery_expression(structure, strict)
        if not expression:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT entry_id, ts_rank(search_vector, query, 0) AS score "
                "FROM search_fulltext, to_tsquery('simple', %s) query "
                "WHERE search_vector @@ query ORDER BY score DESC LIMIT %s",
                [expression, MAX_CANDIDATES],
            )
            return cursor.fetchall()

    def search_words(self, structures, scored=None, clauses=None):
        """Per query word: every matching (entry id, score), best first; one statement.
        Words whose ``scored`` is False are matched without a score.

        With ``clauses`` (sets of word numbers, see ``engine._qualifying_sets``) only the
        entries that have every word of at least one clause are returned: the GIN index
        answers the OR of those ANDs, so a query of common words does not fetch every entry
        with any one of them (tens of thousands at 100,000 cases) only for the re-ranking to
        drop those that cover too little of the query. Each word's scores are still scaled
        to its best match among all its entries: that best comes third (``_best_scores``)."""
        expressions = [tsquery_expression(structure, True) for structure in structures]
        # A clause that is one word alone: every match of that word is wanted anyway (and
        # every word's best score is among its matches, all fetched below).
        if clauses is not None and not (len(clauses) == 1 and len(clauses[0]) == 1):
            dnf = " | ".join(
                "(" + " & ".join(f"({expressions[w]})" for w in clause) + ")"
                for clause in clauses
                if all(expressions[w] for w in clause)
            )
            if not dnf:
                return [_no_matches() for _structure in structures]
            found = self._search_restricted(expressions, scored, dnf)
            if not any(len(pks) for pks, _scores in found):
                return found  # the engine retrieves every match: no best needed
            best = self._best_scores(expressions, scored, clauses)
            return [(*pks_scores, best.get(number)) for number, pks_scores in enumerate(found)]
        parts, params = [], []
        for number, expression in enumerate(expressions):
            if not expression:
                continue
            is_scored = scored is None or scored[number]
            # Per word one row: its ids and scores as packed big-endian arrays (a common
            # word has tens of thousands of matches: rows cost more to send and convert).
            score = f"string_agg(float4send({self.RANK}), '')" if is_scored else "NULL"
            parts.append(
                f"SELECT {number}, string_agg(int4send(entry_id), ''), {score} "  # noqa: S608
                "FROM search_fulltext WHERE search_vector @@ to_tsquery('simple', %s)"
            )
            params.extend([*([expression] if is_scored else []), expression])
        found = [_no_matches() for _structure in structures]
        if not parts:
            return found
        for number, packed_ids, packed_scores in _through_index(" UNION ALL ".join(parts), params):
            found[number] = _unpacked(packed_ids, packed_scores)
        return found

    def _search_restricted(self, expressions, scored, dnf):
        """(entry ids, scores) per word among the entries matching ``dnf``, in one pass over
        them: per entry a bit per word it has and a score per scored word (-1: lacks it).
        (One index scan per word, each intersected with ``dnf``, read the same heap pages
        once per word.)"""
        bits, score_columns, params = [], [], []
        scored_words = []
        for number, expression in enumerate(expressions):
            if not expression:
                continue
            bits.append(
                f"CASE WHEN search_vector @@ to_tsquery('simple', %s) THEN {1 << number} ELSE 0 END"
            )
            params.append(expression)
        for number, expression in enumerate(expressions):
            if expression and (scored is None or scored[number]):
                scored_words.append(number)
                score_columns.append(
                    "string_agg(float4send(CASE WHEN search_vector @@ to_tsquery('simple', %s) "
                    f"THEN {self.RANK} ELSE -1.0::real END), '')"
                )
                params.extend([expression, expression])
        sql = (
            "SELECT string_agg(int4send(entry_id), ''), "  # noqa: S608
            f"string_agg(int8send({' + '.join(bits)}), '')"
            f"{''.join(', ' + column for column in score_columns)} "
            "FROM search_fulltext WHERE search_vector @@ to_tsquery('simple', %s)"
        )
        (row,) = _through_index(sql, [*params, dnf])
        found = [_no_matches() for _expression in expressions]
        if row[0] is None:
            return found
        ids = np.frombuffer(row[0], dtype=">i4").astype(np.int64)
        masks = np.frombuffer(row[1], dtype=">i8")
        scores = {
            number: np.frombuffer(packed, dtype=">f4").astype(np.float64)
            for number, packed in zip(scored_words, row[2:], strict=True)
        }
        for number, expression in enumerate(expressions):
            if not expression:
                continue
            has = (masks >> number) & 1 == 1
            word_ids = ids[has]
            word_scores = scores[number][has] if number in scores else np.zeros(len(word_ids))
            order = np.lexsort((word_ids, -word_scores))
            found[number] = (word_ids[order], word_scores[order])
        return found

    def _best_scores(self, expressions, scored, clauses):
        """{word number: its best score among all its matches} for the scored words that
        are not a clause alone (their best may lie outside the entries returned); at most
        MAX_SCORED_MATCHES rows each (engine._match scores only words that rare)."""
        alone = {clause[0] for clause in clauses if len(clause) == 1}
        wanted = [
            number
            for number, expression in enumerate(expressions)
            if expression and (scored is None or scored[number]) and number not in alone
        ]
        if not wanted:
            return {}
        parts = [
            f"SELECT {number}, max({self.RANK}) FROM search_fulltext "  # noqa: S608
            "WHERE search_vector @@ to_tsquery('simple', %s)"
            for number in wanted
        ]
        params = [value for number in wanted for value in (expressions[number],) * 2]
        rows = _through_index(" UNION ALL ".join(parts), params)
        return {number: best for number, best in rows if best is not None}

    def update(self, entry):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO search_fulltext (entry_id, search_vector) "  # noqa: S608
                f"SELECT id, {self.VECTOR} FROM search_searchentry WHERE id = %s "
                "ON CONFLICT (entry_id) DO UPDATE SET search_vector = EXCLUDED.search_vector",
                [entry.pk],
            )

    def remove(self, entry_id):
        """A trigger removes the vector with its entry (migration 0009); removed here too
        for a caller that removes it from the index first."""
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fulltext WHERE entry_id = %s", [entry_id])

    def rebuild(self):
        # DELETE, not TRUNCATE: searches keep reading the old rows until the commit.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fulltext")
            cursor.execute(
                "INSERT INTO search_fulltext (entry_id, search_vector) "  # noqa: S608
                f"SELECT id, {self.VECTOR} FROM search_searchentry"
            )


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

    restricts = False

    def search_words(self, structures, scored=None, clauses=None):
        """One search per query word: the server pages through its hits (``clauses`` is not
        used)."""
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
