"""What the domain apps hand to the search service besides their documents
(``search.indexer.register``), so the search never imports the apps:

- the values of the facets they own (themes, funding programmes, status, transfer facts),
  with their labels: ``register_facet_values``. A source is a callable returning
  ``{value: label}`` (or pairs); it is called when a search state or context is built (once
  per content generation), so it may read the database.
- what their cards show on a page of search results beyond the hit itself (a case's
  transfer facts): ``register_hit_details``, a callable given the hits of one page.
"""

_facet_sources = {}
_hit_details = []


def register_facet_values(name, source):
    """Where the values of the facet ``name`` (a key of ``search.engine.FACETS``) come from."""
    _facet_sources[name] = source


def facet_values(name):
    """``{value: label}`` of a registered facet; empty for a facet nobody registered."""
    source = _facet_sources.get(name)
    return dict(source()) if source is not None else {}


def register_hit_details(details):
    """``details(hits)`` fills in what an app's cards need on the hits of a result page."""
    if details not in _hit_details:
        _hit_details.append(details)


def add_hit_details(hits):
    for details in _hit_details:
        details(hits)
    return hits
