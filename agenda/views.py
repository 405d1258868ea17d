"""iCalendar downloads: one event, and the feed of all upcoming events."""

from django.http import Http404

from .ical import calendar_response
from .models import EventPage, upcoming_events


def calendar_feed(request):
    events = upcoming_events().prefetch_related("speakers")
    return calendar_response(request, list(events), filename="veranstaltungen.ics")


def event_ics(request, pk):
    event = EventPage.objects.live().public().filter(pk=pk).first()
    if event is None:
        raise Http404
    return calendar_response(request, [event], filename=f"{event.slug}.ics")
