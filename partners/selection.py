"""A selection of cases described by the query parameters of the library or the search page.

Embedded lists, feeds and exports accept the same parameters as /faelle/ and /suche/
(``q``, ``thema``, ``land``, ``groesse``, ``status``, ``foerderung``, ``zeitraum``,
``sortierung``) and run them through :func:`search.engine.search`, so they hold the same
cases in the same order as the page a partner copied them from. Only cases are selected
(``art`` is always ``case``).
"""

from dataclasses import dataclass, replace

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from casestudies.models import CaseLibraryPage, CasePage
from search import service as engine
from search.service import FACETS, SearchError, SearchRequest

from .codebook import with_record_data

# The library's sort values mapped to the search's (casestudies.filters.SEARCH_SORTS).
SORT_ALIASES = {"-neu": "neu", "-beginn": "beginn", "-dokumentiert": "dokumentiert"}
LIBRARY_SORTS = {"titel", "-beginn", "-dokumentiert"}
LIBRARY_FILTERS = {"thema", "land", "groesse", "status", "budget", "dauer", "reichweite"}
BATCH = engine.MAX_PAGE_SIZE


@dataclass
class Selection:
    query: str
    filters: dict
    sort: str  # one of search.service.SORTS

    @property
    def default_sort(self):
        return "relevanz" if self.query else "neu"

    @property
    def search_request(self):
        filters = dict(self.filters, art=["case"])
        return SearchRequest(self.query, filters, self.sort, page=1, page_size=BATCH)

    def params(self):
        """The selection as query parameters (stable order), for links and feeds."""
        pairs = []
        if self.query:
            pairs.append(("q", self.query))
        for name in FACETS:
            for value in self.filters.get(name, ()):
                pairs.append((name, value))
        if self.sort != self.default_sort:
            pairs.append(("sortierung", self.sort))
        return pairs

    def query_string(self):
        params = self.params()
        return "?" + urlencode(params) if params else ""

    @property
    def is_library_selection(self):
        return not self.query and set(self.filters) <= LIBRARY_FILTERS

    def canonical_path(self):
        """Where the selection lives on this site: the library if its filters can say it,
        otherwise the search page."""
        library = CaseLibraryPage.objects.live().first()
        if library is not None and self.is_library_selection:
            pairs = [(name, value) for name, value in self.params() if name != "sortierung"]
            library_sort = {v: k for k, v in SORT_ALIASES.items()}.get(self.sort, self.sort)
            if library_sort in LIBRARY_SORTS:  # newest first is the library's default
                pairs.append(("sortierung", library_sort))
            return library.url + ("?" + urlencode(pairs) if pairs else "")
        return reverse("search") + self.query_string()


def selection_from_params(params, theme_slug=None):
    """Read a selection from a QueryDict; raise SearchError for bad values."""
    filters = {
        name: [value for value in params.getlist(name) if value.strip()]
        for name in FACETS
        if name != "art"
    }
    if theme_slug:
        filters["thema"] = [*filters.get("thema", []), theme_slug]
    filters = {name: values for name, values in filters.items() if values}
    sort = params.get("sortierung") or ""
    sort = SORT_ALIASES.get(sort, sort)
    query = engine.clean_query(params.get("q"))
    if not sort:
        sort = "relevanz" if query else "neu"
    if sort not in engine.SORTS:
        raise SearchError(_("Unbekannte Sortierung „%s“.") % sort[:30])
    selection = Selection(query, filters, sort)
    selection.search_request  # noqa: B018 - validates query length and filter names
    return selection


@dataclass
class Result:
    selection: Selection
    count: int
    page_ids: list  # of the selected cases, best first
    labels: list  # (facet label, value labels) of the filters in use


def run(selection, limit=None):
    """The selected cases' page ids, best first; all of them unless limit is given. One
    search for the count and the labels (and the ids, when they fit on its page); beyond
    that every id at once (``page_ids``: one pass over the search state, or a few large
    requests to a search server), not page after page."""
    request = selection.search_request
    response = engine.search(replace(request, page_size=max(1, min(limit or BATCH, BATCH))))
    ids = [hit.page.id for hit in response.results]
    if len(ids) < response.count and (limit is None or len(ids) < limit):
        ids = engine.page_ids(request)
    if limit is not None:
        ids = ids[:limit]
    labels = []
    for name, values in response.facets.items():
        chosen = [value.label for value in values if value.selected]
        if chosen and name != "art":
            labels.append((str(FACETS[name]), chosen))
    return Result(selection, response.count, ids, labels)


def cases_for(ids):
    """The live, public CasePages with these page ids, in their order, with record data."""
    if not ids:
        return []
    position = {pk: index for index, pk in enumerate(ids)}
    cases = with_record_data(CasePage.objects.live().public().filter(pk__in=ids))
    return sorted(cases, key=lambda case: position[case.pk])


__all__ = ["Result", "SearchError", "Selection", "cases_for", "run", "selection_from_params"]
