"""Privacy in a real browser: an anonymous visitor goes through every public page type, uses
the search with its suggestions and opens the alerts form. Every request of the browser (from
the page, its frames, fonts, images, scripts and fetches) goes to the site's own origin, and no
response sets a cookie.

The ``page`` fixture (conftest.py) already fails a test on requests to other hosts; this test
records requests and responses itself as well, so that it says exactly what went where."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.page_types import PAST_EVENT, RICH_CASE, add_page_types, public_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Recorder:
    """Every request the browser context makes and every Set-Cookie it receives."""

    def __init__(self, origin):
        self.origin = origin
        self.requests = []
        self.set_cookies = []

    def on_request(self, request):
        self.requests.append((request.resource_type, request.url))

    def on_response(self, response):
        value = response.header_value("set-cookie")
        if value:
            self.set_cookies.append(f"{response.url}: {value}")

    def foreign(self):
        foreign = []
        for kind, url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if f"{parts.scheme}://{parts.netloc}" != self.origin:
                foreign.append(f"{kind} {url}")
        return foreign

    def kinds(self):
        return {kind for kind, _url in self.requests}


@pytest.fixture
def site(demo_site):
    add_page_types(demo_site)
    return demo_site


@pytest.fixture
def recorder(page, live_server):
    recorder = Recorder(live_server.url)
    page.context.on("request", recorder.on_request)
    page.context.on("response", recorder.on_response)
    return recorder


def assert_private(page, recorder, where):
    assert recorder.foreign() == [], f"{where}: Anfragen an andere Adressen"
    assert recorder.set_cookies == [], f"{where}: Set-Cookie"
    assert page.context.cookies() == [], f"{where}: Cookies im Browser"
    assert page.evaluate("document.cookie") == "", where
    storage = page.evaluate("[localStorage.length, sessionStorage.length]")
    assert storage == [0, 0], f"{where}: Web Storage"


def test_no_third_party_requests_and_no_cookies_anywhere(
    page, live_server, browser_log, recorder, site
):
    browser_log.allow_console_error(r"status of 40[04]")
    pages = public_pages(site)
    for name, path, status in pages:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == status, (name, path)
        page.wait_for_load_state("networkidle")
        assert_private(page, recorder, f"{name} ({path})")
    # The tour loaded pages, style sheets and scripts: all of them were recorded.
    assert {"document", "stylesheet", "script"} <= recorder.kinds()
    assert len(recorder.requests) > len(pages)

    # Pages with a video or a recording show a placeholder; nothing is asked of the provider.
    for path in (site.case(RICH_CASE).url, f"/veranstaltungen/{PAST_EVENT}/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert page.locator("iframe").count() == 0
        assert_private(page, recorder, path)


def test_search_and_alerts_form_set_no_cookies(page, live_server, recorder, site):
    # Suggestions while typing (fetches to the site's own API), then the results page.
    page.goto(live_server.url + "/")
    field = page.get_by_role("combobox", name="Praxisfälle durchsuchen")
    field.press_sequentially("Wohn")
    expect(page.get_by_role("listbox", name="Suchvorschläge")).to_be_visible()
    field.press("Enter")
    expect(page).to_have_url(re.compile(r"/suche/\?q=Wohn$"))
    assert any("/api/autocomplete/" in url for _kind, url in recorder.requests)
    assert {"fetch", "document"} <= recorder.kinds()

    # A facet from the search page, and a result link (it counts the click).
    page.locator("form.filters__form").get_by_role("group", name="Bundesland").get_by_role(
        "checkbox"
    ).first.check()
    page.locator("form.filters__form").get_by_role("button", name="Filter anwenden").click()
    expect(page).to_have_url(re.compile(r"[?&]land="))
    page.locator("article.search-result h3 a").first.click()
    expect(page.locator(".factbox")).to_be_visible()
    assert_private(page, recorder, "Suche")

    # The alerts form, opened from the library's link with the filters in view (a GET).
    page.goto(live_server.url + site.library.url + "?land=NI")
    page.get_by_role("link", name="Neue Fälle zu dieser Auswahl per E-Mail erhalten").click()
    expect(page).to_have_url(re.compile(r"/benachrichtigungen/\?.*land=NI"))
    expect(page.get_by_label("E-Mail-Adresse")).to_be_visible()
    assert_private(page, recorder, "Benachrichtigungen")


def test_suggestion_form_sets_no_cookies(page, live_server, browser_log, recorder, site):
    """'Fall vorschlagen' sent with errors, then complete: no cookie, nothing elsewhere."""
    from suggestions.forms import MIN_SECONDS

    browser_log.allow_console_error(r"status of 400")  # the form with errors

    page.goto(live_server.url + "/fall-vorschlagen/")
    page.get_by_role("button", name="Vorschlag senden").click()
    expect(page.locator("#form-errors")).to_be_visible()
    assert_private(page, recorder, "Fall vorschlagen (Fehler)")
    page.get_by_label("Titel des Projekts").fill("Bürgerbus")
    page.get_by_label("Ort", exact=True).fill("Osterburg (Altmark)")
    page.get_by_label("Kurzbeschreibung").fill("Ehrenamtliche fahren Ältere zum Arzt.")
    page.get_by_label("Ihr Name").fill("Max Beispiel")
    page.get_by_label("Ihre E-Mail-Adresse").fill("max@example.org")
    page.locator("input[name=consent]").check()
    page.wait_for_timeout(MIN_SECONDS * 1000 + 300)
    page.get_by_role("button", name="Vorschlag senden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vielen Dank für Ihren Vorschlag")
    assert_private(page, recorder, "Fall vorschlagen (gesendet)")
