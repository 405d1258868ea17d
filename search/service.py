"""The search service as the domain apps call it: the one module of ``search`` they import
(the import-linter contract in ``.importlinter`` checks it). Behind it the engine, the index
and its models can change without touching the apps.

- Searching: ``search(SearchRequest(...))``, ``related(page_id)``, the query rules
  (``clean_query``, ``MAX_QUERY_LENGTH``, ``MAX_PAGE_SIZE``, ``SORTS``, ``FACETS``) and
  ``SearchError`` for a request the engine refuses.
- Indexing: each app registers a document builder for its page types (``register`` with a
  ``Document``), in its ``search_documents`` module.
"""

from .engine import (
    FACETS,
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    SORTS,
    SearchError,
    SearchRequest,
    clean_query,
    related,
    search,
)
from .indexer import Document, register
from .models import SearchEntry

__all__ = [
    "FACETS",
    "MAX_PAGE_SIZE",
    "MAX_QUERY_LENGTH",
    "SORTS",
    "Document",
    "SearchError",
    "SearchRequest",
    "clean_query",
    "published_at",
    "register",
    "related",
    "search",
]


def published_at(entry_ids):
    """When each of these search entries (``Hit.entry_id``) was first published: a dict."""
    return dict(SearchEntry.objects.filter(pk__in=entry_ids).values_list("pk", "published_at"))
