"""Bounds for numbers in public parameters, and which database errors are the client's.

A number a database column cannot hold (``?offset=99999999999999999999``, an id with twenty
digits) makes SQLite and PostgreSQL fail deep inside a query; checking it where the parameter
is read turns it into a 400 (or a 404 for an id in a URL) instead of a 500.
"""

from django.urls import register_converter

# Paging further than this through a listing is no use to anybody.
MAX_OFFSET = 1_000_000


class BoundedIntConverter:
    """``<id:pk>`` in URL patterns: like ``<int:...>``, but at most 18 digits, so every value
    fits a database column (a longer number is no address: 404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(BoundedIntConverter, "id")


def bounded_int(raw, maximum, minimum=0):
    """``raw`` as an int within [minimum, maximum]; ValueError with a message otherwise."""
    text = str(raw).strip()
    if len(text) > 20 or not text.lstrip("-").isdigit():
        raise ValueError(f"must be an integer between {minimum} and {maximum}")
    value = int(text)
    if not minimum <= value <= maximum:
        raise ValueError(f"must be an integer between {minimum} and {maximum}")
    return value


# What the database backends say about a full-text query they cannot parse (SQLite FTS5,
# PostgreSQL tsquery): the client's mistake, not an outage.
QUERY_SYNTAX_MARKERS = (
    "fts5",
    "syntax error",
    "tsquery",
    "malformed match",
    "unterminated string",
    "unknown special query",
    "no such column",  # FTS5 reads "word:" as a column filter
)


def is_query_syntax_error(error):
    message = str(error).lower()
    return any(marker in message for marker in QUERY_SYNTAX_MARKERS)
