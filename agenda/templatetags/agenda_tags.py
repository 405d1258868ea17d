from django import template

from core.memo import memoised, pages_by_case

from ..models import LISTING_DEFER, EventCase, EventPage, now

register = template.Library()


def events_by_case():
    """Live, public events linked to cases, newest start first, per case id."""
    events = (
        EventPage.objects.live()
        .public()
        .filter(event_cases__isnull=False)
        .defer(*LISTING_DEFER)
        .distinct()
        .order_by("-start")
    )
    return pages_by_case(events, EventCase)


@register.simple_tag(takes_context=True)
def events_for_case(context, case, limit=6):
    """Live events linked to a case: upcoming ones first (soonest first), then past ones.
    The links are the same on every page: kept per content generation (core.memo)."""
    by_case = memoised("agenda.events_by_case", events_by_case, context.get("request"))
    events = by_case.get(case.pk, [])[:limit]
    current = now()
    upcoming = sorted((e for e in events if e.end >= current), key=lambda e: e.start)
    return upcoming + [e for e in events if e.end < current]


@register.simple_tag
def events_for_theme(theme, limit=4):
    """Upcoming live events on a theme, soonest first; past ones if none are upcoming."""
    events = EventPage.objects.live().public().filter(themes=theme).defer(*LISTING_DEFER).distinct()
    current = now()
    upcoming = list(events.filter(end__gte=current).order_by("start")[:limit])
    if upcoming:
        return upcoming
    return list(events.filter(end__lt=current).order_by("-start")[:limit])
