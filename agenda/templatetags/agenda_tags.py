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


def events_by_theme():
    """Live, public events with themes, per theme id (each list in no particular order)."""
    events = {
        event.pk: event
        for event in EventPage.objects.live()
        .public()
        .filter(themes__isnull=False)
        .defer(*LISTING_DEFER)
        .distinct()
    }
    links = EventPage.themes.through.objects.filter(eventpage_id__in=events)
    by_theme = {}
    for event_id, theme_id in links.values_list("eventpage_id", "theme_id"):
        by_theme.setdefault(theme_id, []).append(events[event_id])
    return by_theme


@register.simple_tag(takes_context=True)
def events_for_theme(context, theme, limit=4):
    """Upcoming live events on a theme, soonest first; past ones if none are upcoming. Which
    events have which theme is kept per content generation (core.memo); what is upcoming is
    decided at each request."""
    events = memoised("agenda.events_by_theme", events_by_theme, context.get("request"))
    events = events.get(theme.pk, [])
    current = now()
    upcoming = sorted((e for e in events if e.end >= current), key=lambda e: (e.start, e.pk))
    if upcoming:
        return upcoming[:limit]
    return sorted(events, key=lambda e: (e.start, e.pk), reverse=True)[:limit]
