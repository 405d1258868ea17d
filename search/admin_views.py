"""Search analytics for editors: what is searched, what finds nothing, what is chosen."""

import datetime

from django.db.models import F, Sum
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import outbox
from .models import SearchClickStat, SearchQueryStat

PERIODS = {7: _("7 Tage"), 30: _("30 Tage"), 90: _("90 Tage"), 365: _("ein Jahr")}
ROWS = 30


def search_analytics(request):
    try:
        days = int(request.GET.get("tage", 30))
    except ValueError:
        days = 30
    if days not in PERIODS:
        days = 30
    since = timezone.localdate() - datetime.timedelta(days=days - 1)
    queries = (
        SearchQueryStat.objects.filter(day__gte=since)
        .values("query")
        .annotate(searches=Sum("searches"), zero=Sum("zero_results"))
    )
    clicks_by_query = dict(
        SearchClickStat.objects.filter(day__gte=since)
        .values("query")
        .annotate(clicks=Sum("clicks"))
        .values_list("query", "clicks")
    )
    top = list(queries.order_by("-searches", "query")[:ROWS])
    for row in top:
        row["clicks"] = clicks_by_query.get(row["query"], 0)
        row["click_rate"] = round(100 * row["clicks"] / row["searches"]) if row["searches"] else 0
    zero = list(queries.filter(zero__gt=0).order_by("-zero", "query")[:ROWS])
    clicks = list(
        SearchClickStat.objects.filter(day__gte=since)
        .values("query", "page_id", title=F("page__title"))
        .annotate(clicks=Sum("clicks"), positions=Sum("position_sum"))
        .order_by("-clicks", "query")[:ROWS]
    )
    for row in clicks:
        row["average_position"] = (
            round(row["positions"] / row["clicks"], 1) if row["clicks"] else None
        )
    totals = SearchQueryStat.objects.filter(day__gte=since).aggregate(
        searches=Sum("searches"), zero=Sum("zero_results")
    )
    return TemplateResponse(
        request,
        "search/admin/analytics.html",
        {
            "days": days,
            "periods": PERIODS,
            "top": top,
            "zero": zero,
            "clicks": clicks,
            "total_searches": totals["searches"] or 0,
            "total_zero": totals["zero"] or 0,
            "outbox": outbox.status(),
        },
    )
