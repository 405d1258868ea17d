"""The map of the cases in a real browser: filters, the list beside the map with the keyboard,
no request to any other origin, axe (WCAG 2.1 AA); "Orte wie meiner" with suggestions; the
town form in the admin filled from the municipality directory."""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from casestudies.models import Town
from places import directory
from places.models import Municipality
from tests.browser.test_accessibility import axe_source, describe_violations, run_axe  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots for a look by eye: SCREENSHOT_DIR=/some/dir pytest tests/browser/test_map.py
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def shoot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


@pytest.fixture
def gemeinden():
    if not Municipality.objects.exists():
        directory.load()


def test_map_with_filters_and_only_own_origin(page, live_server, demo_site, browser_log):
    requests = []
    page.context.on("request", lambda request: requests.append(request.url))
    page.goto(live_server.url + "/karte/")
    markers = page.locator("svg[data-case-map] a.case-map__marker")
    expect(page.get_by_role("heading", name="Karte der Praxisfälle")).to_be_visible()
    all_markers = markers.count()
    assert all_markers > 5
    shoot(page, "karte.png")

    # Nearby towns are one marker with a count; a click zooms in to them one by one.
    svg = page.locator("svg[data-case-map]")
    group = page.locator("a.case-map__marker--group[data-zoom]").first
    towns_in_group = len(group.get_attribute("data-zoom").split())
    assert towns_in_group > 1
    group.click()
    expect(svg).to_have_class(re.compile("is-zoomed"))
    assert svg.get_attribute("viewBox") != "0 0 586 793"
    assert page.locator(".case-map__detail circle").first.is_visible()
    shoot(page, "karte-gezoomt.png")
    page.get_by_role("button", name="Ganze Karte zeigen").click()
    assert svg.get_attribute("viewBox") == "0 0 586 793"
    expect(page.get_by_role("button", name="Ganze Karte zeigen")).to_be_hidden()

    # A filter of the library, applied as there.
    form = page.locator("form.filters__form")
    form.get_by_role("group", name="Bundesland").get_by_label("Niedersachsen").check()
    form.get_by_role("button", name="Filter anwenden").click()
    expect(page).to_have_url(re.compile(r"/karte/\?.*land=NI"))
    states = page.locator(".case-map__place .case-map__state").all_inner_texts()
    assert states and set(states) == {"(Niedersachsen)"}
    assert 0 < markers.count() < all_markers
    shoot(page, "karte-niedersachsen.png")

    # A marker leads to its case.
    single = page.locator("a.case-map__marker:not(.case-map__marker--group)").first
    single.click()
    expect(page.locator(".factbox")).to_be_visible()
    expect(page.locator(".mini-map svg circle")).to_have_count(1)

    page.wait_for_load_state("networkidle")
    origin = urlsplit(live_server.url).netloc
    assert requests and {urlsplit(url).netloc for url in requests} == {origin}
    assert any(url.endswith("/static/places/germany.svg") for url in requests)
    assert browser_log.foreign_requests() == []


def test_list_beside_the_map_with_the_keyboard(page, live_server, demo_site):
    page.goto(live_server.url + "/karte/")
    # The markers repeat the list for the mouse: they are not tab stops.
    assert (
        page.locator("svg[data-case-map] a[tabindex='-1']").count()
        == page.locator("svg[data-case-map] a").count()
    )
    first_link = page.locator(".case-map__places a").first
    title = first_link.inner_text()
    # From the reset link of the filters, the next tab stop is the first case of the list.
    page.get_by_role("link", name="Filter zurücksetzen").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == title
    page.keyboard.press("Tab")
    second = page.evaluate("document.activeElement.closest('.case-map__places') !== null")
    assert second
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


@pytest.mark.axe
@pytest.mark.parametrize("path", ["/karte/", "/karte/?land=NI&groesse=kleine-kleinstadt"])
def test_map_is_accessible(page, live_server, demo_site, axe_source, path):  # noqa: F811
    page.goto(live_server.url + path)
    violations = run_axe(page, axe_source)
    assert violations == [], describe_violations("Karte", path, violations)


@pytest.mark.axe
def test_places_like_mine_with_suggestions(page, live_server, demo_site, gemeinden, axe_source):  # noqa: F811
    page.goto(live_server.url + "/orte-wie-meiner/")
    field = page.get_by_label("Ihr Ort")
    field.press_sequentially("Osterb")
    options = page.locator("datalist#id_ort-gemeinden option")
    expect(options.first).to_have_attribute(
        "value", "Osterburg (Altmark) (Stendal, Sachsen-Anhalt)"
    )
    # Choosing a suggestion (what the browser does with a datalist option).
    field.fill("Osterburg (Altmark) (Stendal, Sachsen-Anhalt)")
    expect(page.locator("input[name=ags]")).to_have_value("15090415")
    page.get_by_role("button", name="Passende Fälle zeigen").click()
    expect(page).to_have_url(re.compile(r"ags=15090415"))
    expect(page.get_by_text("Fälle für Osterburg (Altmark) (Sachsen-Anhalt)")).to_be_visible()
    expect(page.locator(".recommendation").first).to_be_visible()
    shoot(page, "orte-wie-meiner.png")
    violations = run_axe(page, axe_source)
    assert violations == [], describe_violations("Orte wie meiner", page.url, violations)


def test_town_form_filled_from_the_directory(page, live_server, django_user_model, gemeinden):
    django_user_model.objects.create_superuser("redakteurin", "r@example.org", "geheim-123")
    page.goto(live_server.url + "/admin/login/")
    page.locator("input[name=username]").fill("redakteurin")
    page.locator("input[name=password]").fill("geheim-123")
    page.locator("form button[type=submit]").click()
    page.goto(live_server.url + "/admin/casestudies/town/create/")
    name = page.locator("input[name=name]")
    name.press_sequentially("Havelb")
    label = "Havelberg (Stendal, Sachsen-Anhalt)"
    expect(page.locator("datalist option").first).to_have_attribute("value", label)
    name.fill(label)
    expect(name).to_have_value("Havelberg")
    expect(page.locator("select[name=state]")).to_have_value("ST")
    expect(page.locator("input[name=ags]")).to_have_value("15090225")
    expect(page.locator("input[name=county]")).to_have_value("Stendal")
    assert page.locator("input[name=latitude]").input_value().startswith("52.8")
    assert int(page.locator("input[name=population]").input_value()) > 5000
    shoot(page, "ort-anlegen.png")
    page.get_by_role("button", name="Speichern").first.click()
    expect(page).to_have_url(re.compile(r"/admin/casestudies/town/$"))
    town = Town.objects.get(name="Havelberg")
    assert (town.state, town.ags, town.has_coordinates) == ("ST", "15090225", True)
