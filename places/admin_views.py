from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from .views import _suggestions


@require_safe
def municipality_suggestions(request):
    """Directory entries for the town form (admin only: registered with the admin's URLs,
    which require a login with admin access)."""
    response = JsonResponse({"results": _suggestions(request)})
    add_never_cache_headers(response)
    return response
