from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from casestudies.models import CasePage

RESULTS_PER_PAGE = 10


@require_GET
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    results = CasePage.objects.none()
    if query:
        results = CasePage.objects.live().public().search(query, operator="or")
    paginator = Paginator(results, RESULTS_PER_PAGE)
    try:
        page_obj = paginator.page(request.GET.get("seite", 1))
    except PageNotAnInteger:
        page_obj = paginator.page(1)
    except EmptyPage:
        page_obj = paginator.page(paginator.num_pages)
    response = TemplateResponse(
        request,
        "search/search.html",
        {
            "query": query,
            "page_obj": page_obj,
            "cases": _in_order(page_obj.object_list),
        },
    )
    add_never_cache_headers(response)
    return response


def _in_order(pages):
    """Reload a page of results with their listing data, keeping the ranking order."""
    ids = [page.pk for page in pages]
    by_id = {
        case.pk: case for case in CasePage.with_listing_data(CasePage.objects.filter(pk__in=ids))
    }
    return [by_id[pk] for pk in ids if pk in by_id]
