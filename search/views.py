from dataclasses import dataclass

from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from . import engine
from .engine import FACETS, SORTS, SearchError
from .models import SearchEntry
from .params import request_from_params
from .registry import add_hit_details
from .stats import record_click

# A long facet shows its largest values and the rest behind "weitere".
FACET_SHOWN = 6


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    dom_id: str  # of the checkbox


@dataclass
class FacetGroup:
    """A facet as the page shows it (components/facet_form.html, the active filters)."""

    name: str
    label: str
    options: list
    # A facet whose only value covers every hit cannot narrow anything: the form leaves it out.
    narrows: bool

    @property
    def shown(self):
        return self.options[:FACET_SHOWN]

    @property
    def more(self):
        return self.options[FACET_SHOWN:]


def facet_groups(response):
    """The facets of a search response, labelled and prepared for the templates once per
    request (a template would slugify each value twice and look up each label in a loop)."""
    groups = []
    for name, values in response.facets.items():
        options = [
            FacetOption(
                value.value,
                value.label,
                value.count,
                value.selected,
                f"facet-{name}-{slugify(value.value)}",
            )
            for value in values
            if value.count or value.selected  # values without hits only when selected
        ]
        narrows = bool(options) and (
            len(options) > 1 or options[0].selected or options[0].count != response.count
        )
        groups.append(FacetGroup(name, FACETS[name], options, narrows))
    return groups


@require_safe
def search(request):
    error = response = None
    try:
        search_request = request_from_params(request.GET)
        # A HEAD (monitor, link checker) is no visitor's search: not counted.
        response = engine.search(search_request, log=request.method == "GET")
        if search_request.page > response.num_pages:
            search_request.page = response.num_pages
            response = engine.search(search_request)
        add_hit_details(response.results)
    except SearchError as problem:
        error = str(problem)
        search_request = engine.SearchRequest(query=request.GET.get("q", "")[:200])
        response = None
    context = {
        "query": search_request.query,
        "search": response,
        "error": error,
        "facet_groups": facet_groups(response) if response is not None else [],
        "sorts": SORTS,
        "sort": search_request.sort,
        "selected": search_request.filters,
    }
    template_response = TemplateResponse(request, "search/search.html", context)
    if error:
        template_response.status_code = 400
    add_never_cache_headers(template_response)
    return template_response


@require_safe
def click(request, entry_id):
    """Count that a result was chosen for a query, then go to it. Only indexed pages are
    targets, so this cannot redirect anywhere else."""
    entry = SearchEntry.objects.filter(pk=entry_id).only("page_id").first()
    if entry is None:
        raise Http404
    try:
        position = int(request.GET.get("pos", 0))
    except ValueError:
        position = 0
    if request.method == "GET":
        record_click(request.GET.get("q", ""), entry.page_id, position)
    url = entry.page.url
    if not url or not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        raise Http404
    response = HttpResponseRedirect(url)
    add_never_cache_headers(response)
    return response
