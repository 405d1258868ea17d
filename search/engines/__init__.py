"""The engine path of the search: OpenSearch 2/3 or Elasticsearch 8/9 does the work.

When ``settings.SEARCH_ENGINE`` is set (from ``SEARCH_URL``), :func:`search.engine.search`,
``autocomplete`` and ``related`` hand over to :mod:`search.engines.server`: one request to the
server per search page (query, facet counts, totals, sort, paging, highlights), one per
autocomplete, one per list of related cases. The index follows the search entries through a
consumer of :mod:`search.consumers`.
"""
