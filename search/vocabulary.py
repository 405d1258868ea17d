"""The vocabulary of the library (document frequencies, spelling corrections, readable word
forms) read from the database's full-text index, not counted from every entry's terms in
every worker.

- SQLite: the ``search_fts_vocab`` table (FTS5 ``fts5vocab``, type ``row``: one row per term
  with the number of entries that have it), migration 0006.
- PostgreSQL: ``ts_stat`` over the entries' vectors (table ``search_fulltext``, migration 0009).

At most ``SEARCH_VOCABULARY_SIZE`` terms are held (the most frequent ones): they are the
candidates for spelling corrections. The frequency of a rarer term is read from the database
when a query asks for it and kept in an LRU cache of ``SEARCH_CACHE_SIZE`` terms. The readable
form of a term ("Meinten Sie ...?") is looked up only when a correction is offered, from the
readable text of a few entries that have the term.
"""

import threading

from cachetools import LRUCache
from django.conf import settings
from django.db import connection

from .analysis import Vocabulary, display_forms

DEFAULT_VOCABULARY_SIZE = 50_000
DEFAULT_CACHE_SIZE = 10_000
# Entries whose readable text is analysed to find a term's readable form.
DISPLAY_SAMPLE = 20


def vocabulary_size():
    return int(getattr(settings, "SEARCH_VOCABULARY_SIZE", DEFAULT_VOCABULARY_SIZE))


def cache_size():
    return int(getattr(settings, "SEARCH_CACHE_SIZE", DEFAULT_CACHE_SIZE))


def _read_terms(limit):
    """(term, document frequency) of the ``limit`` most frequent terms."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT term, doc FROM search_fts_vocab ORDER BY doc DESC LIMIT %s", [limit]
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM search_fulltext') "
                "ORDER BY ndoc DESC LIMIT %s",
                [limit],
            )
        else:
            raise NotImplementedError(f"No term statistics for {connection.vendor}")
        return cursor.fetchall()


def _read_frequencies(terms):
    """Document frequencies of ``terms`` (terms no entry has are missing), in one statement."""
    if not terms:
        return {}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # One "term = ?" per term: fts5vocab looks those up in the index, while "IN"
            # scans every term.
            cursor.execute(
                " UNION ALL ".join(
                    ["SELECT term, doc FROM search_fts_vocab WHERE term = %s"] * len(terms)
                ),
                list(terms),
            )
        else:
            cursor.execute(
                "SELECT t.term, count(f.entry_id) FROM unnest(%s::text[]) AS t(term) "
                "JOIN search_fulltext f "
                "ON f.search_vector @@ plainto_tsquery('simple', t.term) GROUP BY t.term",
                [list(terms)],
            )
        return dict(cursor.fetchall())


def _tsquery_term(term):
    return "'" + term.replace("'", "''").replace("\\", "") + "'"


def _readable_texts(term, limit):
    """Readable text (heading, summary, tags, towns, theme names) of a few entries that
    have ``term`` among their analysed terms."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT e.heading, e.summary, e.tags, e.towns, e.theme_names, "
                "substr(e.text, 1, 2000) FROM search_fts f "
                "JOIN search_searchentry e ON e.id = f.rowid "
                "WHERE search_fts MATCH %s LIMIT %s",
                ['"' + term.replace('"', "") + '"', limit],
            )
        else:
            cursor.execute(
                "SELECT e.heading, e.summary, e.tags, e.towns, e.theme_names, "
                "substr(e.text, 1, 2000) FROM search_fulltext f "
                "JOIN search_searchentry e ON e.id = f.entry_id "
                "WHERE f.search_vector @@ to_tsquery('simple', %s) LIMIT %s",
                [_tsquery_term(term), limit],
            )
        rows = cursor.fetchall()
    return [
        " ".join((heading, summary, tags.replace("|", " "), towns.replace("|", " "), themes))
        for heading, summary, tags, towns, themes, _text in rows
    ] + [text for *_rest, text in rows]


class DatabaseVocabulary(Vocabulary):
    """A ``Vocabulary`` filled from the database's term statistics; see the module text."""

    def __init__(self, analyzer, size=None):
        terms = _read_terms(size or vocabulary_size())
        super().__init__(dict(terms))
        self._complete = len(terms) < (size or vocabulary_size())
        self._analyzer = analyzer
        self._lock = threading.Lock()
        self._extra = LRUCache(maxsize=cache_size())
        self._display_cache = LRUCache(maxsize=max(100, cache_size() // 10))

    def prefetch(self, terms):
        """Read the frequencies of the ``terms`` this vocabulary does not hold, in one
        statement (a query's terms, before they are asked for one by one)."""
        if self._complete:
            return
        with self._lock:
            missing = [t for t in set(terms) if t not in self._counts and t not in self._extra]
        if not missing:
            return
        found = _read_frequencies(missing)
        with self._lock:
            for term in missing:
                self._extra[term] = found.get(term, 0)

    def frequency(self, term):
        count = self._counts.get(term)
        if count is not None:
            return count
        if self._complete:
            return 0
        with self._lock:
            if term in self._extra:
                return self._extra[term]
        self.prefetch([term])
        with self._lock:
            return self._extra.get(term, 0)

    def __contains__(self, term):
        # Only what is held (no statement per query word): a rarer term than the held ones
        # is looked up for its frequency, but offered corrections like an unknown word.
        if term in self._counts:
            return True
        with self._lock:
            return self._extra.get(term, 0) > 0

    def display_form(self, term):
        with self._lock:
            if term in self._display_cache:
                return self._display_cache[term]
        forms = display_forms(_readable_texts(term, DISPLAY_SAMPLE), self._analyzer)
        form = forms.get(term, term)
        with self._lock:
            self._display_cache[term] = form
        return form
