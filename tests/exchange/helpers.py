"""Shared helpers for the knowledge, events and alerts tests."""

import datetime as dt
import zoneinfo

from agenda.models import EventFormat, EventIndexPage, EventPage

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def berlin(*args):
    return dt.datetime(*args, tzinfo=BERLIN)


def make_event(slug, start, end=None, deadline=None, **fields):
    """Publish an event under the events index; times are aware datetimes."""
    index = EventIndexPage.objects.get()
    event = EventPage(
        title=fields.pop("title", f"Testveranstaltung {slug}"),
        slug=slug,
        summary=fields.pop("summary", "Eine Veranstaltung für die Tests."),
        start=start,
        end=end or start + dt.timedelta(hours=1),
        event_format=fields.pop("event_format", EventFormat.WEB_TALK),
        registration_url=fields.pop("registration_url", "https://anmeldung.example/test"),
        registration_deadline=deadline,
        **fields,
    )
    index.add_child(instance=event)
    event.save_revision().publish()
    return event
