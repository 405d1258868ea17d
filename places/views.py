from django.http import Http404, JsonResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_safe

from casestudies.filters import CaseFilter
from casestudies.models import CaseLibraryPage

from . import directory
from .maps import HEIGHT, WIDTH, cluster, places_of

SUGGESTIONS = 8


@require_safe
def case_map(request):
    """ "/karte/": the library's cases on a map of the Länder, with the library's filters
    (the same parameters as the library) and the same cases as a list by town."""
    library = CaseLibraryPage.objects.live().public().first()
    if library is None:
        raise Http404
    case_filter = CaseFilter(request.GET or None, queryset=library.cases(), library=library)
    cases = list(case_filter.qs.defer_streamfields())
    places, unlocated = places_of(cases)
    response = TemplateResponse(
        request,
        "places/case_map.html",
        {
            "filter": case_filter,
            "library": library,
            "cases": cases,
            "places": places,
            "markers": cluster(places),
            "unlocated": unlocated,
            "width": WIDTH,
            "height": HEIGHT,
        },
    )
    if request.GET:
        add_never_cache_headers(response)
    return response


def _suggestions(request):
    query = request.GET.get("q", "")[:120]
    return [
        {
            "ags": m.ags,
            "name": m.name,
            "label": m.label,
            "state": m.state,
            "district": m.district,
            "population": m.population,
            "latitude": None if m.latitude is None else float(m.latitude),
            "longitude": None if m.longitude is None else float(m.longitude),
            "approximate": m.coordinates_source != m.Source.GEONAMES,
        }
        for m in directory.find(query, limit=SUGGESTIONS)
    ]


@require_safe
def municipality_suggestions(request):
    """Public suggestions for "Orte wie meiner": every German municipality."""
    response = JsonResponse({"results": _suggestions(request)})
    patch_cache_control(response, max_age=3600, public=True)
    return response
