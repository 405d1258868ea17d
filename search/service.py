"""The search service as the domain apps call it: the one module of ``search`` they import
(the import-linter contract in ``.importlinter`` checks it). Behind it the engine, the index
and its models can change without touching the apps.

- Searching: ``search(SearchRequest(...))``, ``page_ids(request)`` (every match, for a
  listing without pages such as the map; partner lists, feeds and exports),
  ``SearchRequest(within=page.url_path)`` for the entries below one page (a case library),
  ``related(page_id)``, ``places_like(...)``, the
  query rules (``clean_query``, ``MAX_QUERY_LENGTH``, ``MAX_PAGE_SIZE``, ``SORTS``, ``FACETS``) and
  ``SearchError`` for a request the engine refuses.
- Indexing: each app registers a document builder for its page types (``register`` with a
  ``Document``), in its ``search_documents`` module; ``batched_indexing()`` indexes each page
  published inside the block once, at its end (imports).
- Facet values: an app registers the values and labels of the facets it owns
  (``register_facet_values``: themes, funding programmes, status, transfer facts) and what
  their cards add to the hits of a result page (``register_hit_details``).
"""

from .engine import (
    FACETS,
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    SORTS,
    SearchError,
    SearchRequest,
    clean_query,
    page_ids,
    places_like,
    related,
    search,
)
from .indexer import Document, register
from .models import SearchEntry
from .registry import register_facet_values, register_hit_details
from .signals import batched_indexing

__all__ = [
    "FACETS",
    "MAX_PAGE_SIZE",
    "MAX_QUERY_LENGTH",
    "SORTS",
    "Document",
    "SearchError",
    "SearchRequest",
    "batched_indexing",
    "clean_query",
    "page_ids",
    "places_like",
    "published_at",
    "register",
    "register_facet_values",
    "register_hit_details",
    "related",
    "search",
]


def published_at(entry_ids):
    """When each of these search entries (``Hit.entry_id``) was first published: a dict."""
    return dict(SearchEntry.objects.filter(pk__in=entry_ids).values_list("pk", "published_at"))
