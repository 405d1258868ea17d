"""Views of the case library outside its page tree."""

from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from places.maps import HEIGHT, WIDTH, cluster

from .filters import CaseFilter
from .maps import places_of
from .models import CaseLibraryPage


@require_safe
def case_map(request):
    """ "/karte/": the library's cases on a map of the Länder, with the library's filters
    (the same parameters as the library) and the same cases as a list by town."""
    library = CaseLibraryPage.objects.live().public().first()
    if library is None:
        raise Http404
    case_filter = CaseFilter(request.GET, within=library)
    cases = library.cases_in_order(case_filter.all_page_ids())
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
