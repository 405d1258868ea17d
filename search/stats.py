"""Anonymous search statistics for editors: what is searched, what finds nothing, what is
chosen. Only the normalised query text and counters are stored, never who searched."""

import logging
import re
from contextlib import contextmanager, nullcontext

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import SearchClickStat, SearchQueryStat

logger = logging.getLogger(__name__)
_SPACE = re.compile(r"\s+")


def normalise_query(query):
    return _SPACE.sub(" ", (query or "").strip().lower())[:100]


def _bump(model, lookup, **increments):
    """Add to the counters; statistics never break a search (a locked database, say)."""
    try:
        with transaction.atomic():
            _add(model, lookup, **increments)
    except DatabaseError:
        logger.warning("Search statistics not recorded for %s", lookup, exc_info=True)


def _add(model, lookup, **increments):
    updates = {name: F(name) + value for name, value in increments.items()}
    if model.objects.filter(**lookup).update(**updates):
        return
    try:
        with transaction.atomic():
            model.objects.create(**lookup, **increments)
    except IntegrityError:  # created concurrently
        model.objects.filter(**lookup).update(**updates)


@contextmanager
def _relaxed_sync(cursor):
    """On SQLite (WAL) outside a transaction: commit without waiting for the disk (fsync),
    for this statement only. A power failure may lose the last counts, never corrupts the
    database; every other write keeps the configured durability. The counts are written on
    every search, so waiting for the disk there would be waiting on every search (the
    measurement is in the README, "Geschwindigkeit und Caching")."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    cursor.execute("PRAGMA synchronous")
    level = int(cursor.fetchone()[0])
    cursor.execute("PRAGMA synchronous = NORMAL")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA synchronous = {level}")


def record_query(query, result_count):
    """Count a search: one statement per search (an upsert on the day and query, which
    SQLite and PostgreSQL both understand), as the search page logs every first page."""
    query = normalise_query(query)
    if not query:
        return
    table = connection.ops.quote_name(SearchQueryStat._meta.db_table)
    # Alone, the statement is its own transaction; inside one, a savepoint keeps a failure
    # from breaking the caller's transaction (PostgreSQL).
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with guard, connection.cursor() as cursor, _relaxed_sync(cursor):
            cursor.execute(
                f"INSERT INTO {table} (day, query, searches, zero_results) "  # noqa: S608
                "VALUES (%s, %s, 1, %s) ON CONFLICT (day, query) DO UPDATE SET "
                f"searches = {table}.searches + 1, "
                f"zero_results = {table}.zero_results + excluded.zero_results",
                [
                    connection.ops.adapt_datefield_value(timezone.localdate()),
                    query,
                    1 if result_count == 0 else 0,
                ],
            )
    except DatabaseError:
        logger.warning("Search statistics not recorded for %r", query, exc_info=True)


def record_click(query, page_id, position):
    query = normalise_query(query)
    if not query:
        return
    _bump(
        SearchClickStat,
        {"day": timezone.localdate(), "query": query, "page_id": page_id},
        clicks=1,
        position_sum=max(0, min(int(position), 1000)),
    )
