"""iCalendar (RFC 5545) files of events, written with the ``icalendar`` library.

Times are written in Europe/Berlin with a VTIMEZONE component, so a calendar shows a 10:00
talk at 10:00 whether it falls in summer or winter time.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from core.links import absolute_url

PRODID = "-//Praxisatlas Kleinstadt//Veranstaltungen//DE"


def event_component(page, request=None):
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    url = absolute_url(page.get_url(request=request) or page.url_path, request)
    event = Event()
    event.add("uid", f"event-{page.pk}@praxisatlas-kleinstadt")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", page.start.astimezone(tz))
    event.add("dtend", page.end.astimezone(tz))
    event.add("summary", page.title)
    description = [page.subtitle, page.summary]
    if page.speakers.exists():
        description.append(
            _("Mit: %s")
            % "; ".join(
                ", ".join(part for part in (s.name, s.function, s.town) if part)
                for s in page.speakers.all()
            )
        )
    if page.registration_url and page.registration_deadline:
        description.append(
            _("Anmeldung bis %s: %s")
            % (
                timezone.localtime(page.registration_deadline).strftime("%d.%m.%Y %H:%M"),
                page.registration_url,
            )
        )
    description.append(url)
    event.add("description", "\n\n".join(strip_tags(part) for part in description if part))
    event.add("location", page.place)
    event.add("url", url)
    if page.last_published_at:
        event.add("last-modified", page.last_published_at)
    event.add("categories", [page.get_event_format_display()])
    return event


def build_calendar(pages, request=None, name=None):
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name or _("Praxisatlas Kleinstadt: Veranstaltungen"))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    for page in pages:
        calendar.add_component(event_component(page, request))
    if pages:
        # The time zone's rules for the years the events span (keeps the file small).
        first = min(page.start for page in pages).date()
        last = max(page.end for page in pages).date()
        calendar.add_missing_timezones(
            first_date=datetime.date(first.year - 1, 1, 1),
            last_date=datetime.date(last.year + 2, 1, 1),
        )
    return calendar


def calendar_response(request, pages, filename):
    calendar = build_calendar(pages, request)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=300"
    return response
