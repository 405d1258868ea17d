"""Guides, events and their recordings in a real browser."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agenda.demo import VIDEO_HOST
from agenda.models import EventPage
from knowledge.models import GuidePage
from tests.exchange.helpers import make_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_event_before_and_after_its_registration_deadline(page, live_server, demo_site):
    now = timezone.now()
    open_event = make_event(
        "anmeldung-offen",
        title="Web-Talk mit offener Anmeldung",
        start=now + dt.timedelta(days=14),
        deadline=now + dt.timedelta(days=7),
    )
    closed_event = make_event(
        "anmeldung-geschlossen",
        title="Web-Talk nach Anmeldeschluss",
        start=now + dt.timedelta(days=3),
        deadline=now - dt.timedelta(minutes=1),
    )

    page.goto(live_server.url + open_event.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Web-Talk mit offener Anmeldung")
    expect(page.locator("[data-registration]")).to_have_attribute("data-registration", "offen")
    expect(page.get_by_role("link", name="Zur Anmeldung")).to_have_attribute(
        "href", "https://anmeldung.example/test"
    )
    expect(page.get_by_role("link", name="In den Kalender eintragen (.ics)")).to_be_visible()

    page.goto(live_server.url + closed_event.url)
    expect(page.locator("[data-registration]")).to_have_attribute(
        "data-registration", "geschlossen"
    )
    expect(page.get_by_text("Die Anmeldung ist geschlossen.")).to_be_visible()
    expect(page.get_by_role("link", name="Zur Anmeldung")).to_have_count(0)

    # Both are upcoming and listed; only the first one invites to register.
    page.goto(live_server.url + "/veranstaltungen/")
    open_card = page.locator(".event-card", has_text="Web-Talk mit offener Anmeldung")
    closed_card = page.locator(".event-card", has_text="Web-Talk nach Anmeldeschluss")
    expect(open_card.get_by_text("Anmeldung offen")).to_be_visible()
    expect(closed_card.get_by_text("Anmeldung offen")).to_have_count(0)


def test_past_event_recording_loads_only_after_a_click(page, live_server, browser_log, demo_site):
    event = EventPage.objects.get(slug="mittagstisch-2021-wohnen-im-ort")
    page.route(
        f"https://{VIDEO_HOST}/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>Video</p>"),
    )
    page.goto(live_server.url + event.url)
    expect(page.get_by_role("heading", name="Dokumentation")).to_be_visible()
    expect(page.get_by_text("Diese Veranstaltung hat bereits stattgefunden.")).to_be_visible()
    button = page.get_by_role(
        "button", name="Video laden (Daten werden an den Anbieter übertragen)"
    )
    expect(button).to_be_visible()
    expect(page.locator(".video iframe")).to_have_count(0)
    assert browser_log.foreign_requests() == []

    browser_log.allow_host(VIDEO_HOST)
    button.click()
    expect(page.locator(".video iframe")).to_have_attribute(
        "src", f"https://{VIDEO_HOST}/embed/mittagstisch-2021-wohnen-im-ort"
    )


def test_guide_with_its_cases_and_back(page, live_server, demo_site):
    guide = GuidePage.objects.get(slug="interkommunale-wohnungsbaugesellschaft-gruenden")
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Leitfäden"
    ).click()
    page.get_by_role("link", name=guide.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(guide.title)
    expect(page.locator(".steps > li")).to_have_count(5)
    cases = page.locator(".guide__cases")
    expect(
        cases.get_by_role("heading", name="Fälle, die diesen Leitfaden anwenden")
    ).to_be_visible()
    case_link = cases.get_by_role("link", name="IstaG – gemeinsame Wohnungsbaugesellschaft")
    case_link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("IstaG")
    guides = page.locator(".case-guides")
    expect(guides.get_by_role("heading", name="Leitfäden zu diesem Fall")).to_be_visible()
    expect(guides.get_by_role("link", name=guide.title)).to_be_visible()
    events = page.locator(".related-events")
    expect(events.get_by_role("link", name="Kleinstädte aus dem Münsterland")).to_be_visible()
