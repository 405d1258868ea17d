"""Event pages, listings, registration state and iCalendar files."""

import datetime as dt

import icalendar
import pytest
from django.utils import timezone

from agenda.models import EventPage

from .helpers import BERLIN, berlin, make_event

pytestmark = pytest.mark.django_db


def test_seed_events_are_loaded_with_berlin_times(demo_site):
    osterburg = EventPage.objects.get(slug="web-talk-osterburg-buergerrat")
    start = timezone.localtime(osterburg.start)
    assert (start.date(), start.hour, start.tzinfo.key) == (dt.date(2024, 7, 3), 10, BERLIN.key)
    assert [s.name for s in osterburg.speakers.all()] == ["Nico Schulz", "Matthias Köberle"]
    assert timezone.localtime(osterburg.registration_deadline).date() == dt.date(2024, 7, 1)
    lunch = EventPage.objects.filter(series="Digitaler Mittagstisch").order_by("start")
    assert [(timezone.localtime(e.start).strftime("%d.%m. %H:%M")) for e in lunch] == [
        "24.02. 12:30",
        "10.03. 12:30",
        "24.03. 12:30",
    ]
    side = EventPage.objects.get(slug="gemeinsam-fuer-das-quartier-side-event-2022")
    assert not side.online and "Gleisdreieck" in side.place


def test_registration_closes_itself_after_the_deadline(client, demo_site):
    now = timezone.now()
    event = make_event(
        "anmeldung-test", start=now + dt.timedelta(days=10), deadline=now + dt.timedelta(days=3)
    )
    response = client.get(event.url)
    assert response.status_code == 200
    assert "Zur Anmeldung" in response.content.decode()
    assert event.registration_state() == EventPage.Registration.OPEN

    later = now + dt.timedelta(days=4)
    assert event.registration_state(at=later) == EventPage.Registration.CLOSED
    assert event.registration_state(at=now + dt.timedelta(days=11)) == EventPage.Registration.OVER

    # The seeds' web talks are past: their registration is over, nobody has to switch it off.
    past = EventPage.objects.get(slug="web-talk-istag-wohnungsbaugesellschaft")
    content = client.get(past.url).content.decode()
    assert "Zur Anmeldung" not in content
    assert "Diese Veranstaltung hat bereits stattgefunden." in content


def test_deadline_passed_but_event_still_ahead(client, demo_site):
    now = timezone.now()
    event = make_event(
        "anmeldeschluss-vorbei",
        start=now + dt.timedelta(days=2),
        deadline=now - dt.timedelta(hours=1),
    )
    content = client.get(event.url).content.decode()
    assert "Die Anmeldung ist geschlossen." in content
    assert "Zur Anmeldung" not in content


def test_upcoming_and_past_listings(client, demo_site):
    upcoming = client.get("/veranstaltungen/").content.decode()
    past = client.get("/veranstaltungen/vergangene/").content.decode()
    assert "Klimaanpassung in Kleinstädten" in upcoming
    assert "Per Bürgerrat zum Klimaschutzkonzept" not in upcoming
    assert "Per Bürgerrat zum Klimaschutzkonzept" in past
    assert past.index("Per Bürgerrat") < past.index("Qualitäten einer kleinen Stadt III")
    only_lunch = client.get("/veranstaltungen/vergangene/?format=mittagstisch").content.decode()
    assert "Qualitäten einer kleinen Stadt I " in only_lunch
    assert "Per Bürgerrat" not in only_lunch


def test_events_on_case_and_theme_pages(client, demo_site):
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    content = client.get(case.url).content.decode()
    assert "Veranstaltungen zu diesem Fall" in content
    assert "Per Bürgerrat zum Klimaschutzkonzept" in content
    theme = client.get("/faelle/thema/klimaschutz-energie/").content.decode()
    assert "Veranstaltungen zum Thema Klimaschutz &amp; Energie" in theme
    assert "Klimaanpassung in Kleinstädten" in theme


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


@pytest.mark.parametrize(
    ("start", "utc_hour"),
    [
        (berlin(2027, 3, 27, 10), 9),  # Saturday before the switch to summer time: CET
        (berlin(2027, 3, 29, 10), 8),  # Monday after the switch: CEST
        (berlin(2027, 10, 30, 10), 8),  # Saturday before the switch back: CEST
        (berlin(2027, 11, 1, 10), 9),  # Monday after: CET
    ],
)
def test_ics_imports_the_right_time_across_dst(client, demo_site, start, utc_hour):
    event = make_event(f"dst-{start:%m%d}", start=start)
    calendar = parse(client.get(event.ics_url()))
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    (vevent,) = calendar.walk("VEVENT")
    dtstart = vevent.decoded("DTSTART")
    dtend = vevent.decoded("DTEND")
    # Read with the file's own VTIMEZONE rules, not the reader's: 10:00 Berlin is 10:00.
    assert dtstart.astimezone(BERLIN).hour == 10
    assert dtstart.astimezone(dt.UTC).hour == utc_hour
    assert dtend - dtstart == dt.timedelta(hours=1)
    assert vevent["SUMMARY"] == event.title
    assert vevent["UID"] == f"event-{event.pk}@praxisatlas-kleinstadt"


def test_ics_vtimezone_alone_gives_the_offsets(client, demo_site):
    """A calendar without a tz database of its own uses the VTIMEZONE: check its offsets."""
    event = make_event("dst-vtimezone", start=berlin(2027, 3, 29, 10))
    calendar = parse(client.get(event.ics_url()))
    (vtimezone,) = calendar.walk("VTIMEZONE")
    tz = vtimezone.to_tz()
    assert dt.datetime(2027, 3, 27, 10, tzinfo=tz).utcoffset() == dt.timedelta(hours=1)
    assert dt.datetime(2027, 3, 29, 10, tzinfo=tz).utcoffset() == dt.timedelta(hours=2)
    assert dt.datetime(2027, 10, 30, 10, tzinfo=tz).utcoffset() == dt.timedelta(hours=2)
    assert dt.datetime(2027, 11, 1, 10, tzinfo=tz).utcoffset() == dt.timedelta(hours=1)


def test_calendar_feed_lists_upcoming_events_only(client, demo_site):
    calendar = parse(client.get("/kalender/veranstaltungen.ics"))
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert "Klimaanpassung in Kleinstädten: Schwammstadt in der Altstadt" in summaries
    assert not any("Bürgerrat" in summary for summary in summaries)
    starts = [event.decoded("DTSTART") for event in calendar.walk("VEVENT")]
    assert starts == sorted(starts)


def test_seed_event_ics_keeps_summer_time(client, demo_site):
    event = EventPage.objects.get(slug="web-talk-osterburg-buergerrat")
    (vevent,) = parse(client.get(event.ics_url())).walk("VEVENT")
    assert vevent.decoded("DTSTART").astimezone(dt.UTC) == dt.datetime(2024, 7, 3, 8, tzinfo=dt.UTC)
    assert "Nico Schulz" in str(vevent["DESCRIPTION"])


def test_unpublished_event_has_no_ics(client, demo_site):
    event = make_event("entwurf", start=berlin(2027, 5, 5, 10))
    event.unpublish()
    assert client.get(event.ics_url()).status_code == 404


def test_events_are_found_by_the_search(client, demo_site):
    response = client.get("/api/search/", {"q": "Web-Talk Bürgerrat", "art": "event"})
    assert response.status_code == 200
    slugs = [hit["slug"] for hit in response.json()["results"]]
    assert "web-talk-osterburg-buergerrat" in slugs
