from django import template

register = template.Library()


@register.simple_tag
def events_for_case(case, limit=6):
    """Live events linked to a case: upcoming ones first (soonest first), then past ones."""
    from ..models import LISTING_DEFER, EventPage, now

    events = list(
        EventPage.objects.live()
        .public()
        .filter(event_cases__case=case)
        .defer(*LISTING_DEFER)
        .distinct()
        .order_by("-start")[:limit]
    )
    current = now()
    upcoming = sorted((e for e in events if e.end >= current), key=lambda e: e.start)
    return upcoming + [e for e in events if e.end < current]


@register.simple_tag
def events_for_theme(theme, limit=4):
    """Upcoming live events on a theme, soonest first; past ones if none are upcoming."""
    from ..models import LISTING_DEFER, EventPage, now

    events = EventPage.objects.live().public().filter(themes=theme).defer(*LISTING_DEFER).distinct()
    current = now()
    upcoming = list(events.filter(end__gte=current).order_by("start")[:limit])
    if upcoming:
        return upcoming
    return list(events.filter(end__lt=current).order_by("-start")[:limit])
