from django.http import JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from . import directory

SUGGESTIONS = 8


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
