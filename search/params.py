"""Reading a SearchRequest from query parameters, shared by the search page and the API."""

from django.utils.translation import gettext as _

from .engine import FACETS, SearchError, SearchRequest


def _integer(params, name, default):
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise SearchError(
            _("„%(name)s“ muss eine ganze Zahl sein, nicht „%(value)s“.")
            % {"name": name, "value": str(raw)[:30]}
        ) from None


def request_from_params(params, page_size_param=None, default_page_size=10):
    """Build a SearchRequest from a QueryDict; raise SearchError on bad values."""
    filters = {name: params.getlist(name) for name in FACETS if params.getlist(name)}
    page_size = default_page_size
    if page_size_param:
        page_size = _integer(params, page_size_param, default_page_size)
    query = params.get("q", "")
    if "\x00" in query:
        raise SearchError(_("Die Suchanfrage enthält unzulässige Zeichen."))
    return SearchRequest(
        query=query,
        filters=filters,
        sort=params.get("sortierung") or "relevanz",
        page=_integer(params, "seite", 1),
        page_size=page_size,
    )
