"""Search in a real browser: suggestions while typing in the header (keyboard and ARIA state),
and the search page with a query, a facet filter and its removal, at desktop and phone width."""

import re

import pytest
from playwright.sync_api import expect

from search import engine, indexer
from search.models import SearchEntry

pytestmark = [
    pytest.mark.browser,
    # The live server runs in another thread and must see the data: transactional tests.
    pytest.mark.django_db(transaction=True),
]

RESULT = "article.search-result"


@pytest.fixture
def search_site(demo_site):
    if not SearchEntry.objects.exists():
        indexer.rebuild()
    engine.reset_snapshot()
    yield demo_site
    engine.reset_snapshot()


def result_count(page):
    heading = page.locator("#results-heading").inner_text()
    return int(re.match(r"\s*(\d+) ", heading).group(1))


def test_header_autocomplete_with_keyboard(page, live_server, search_site):
    page.goto(live_server.url + "/")
    field = page.get_by_role("combobox", name="Praxisfälle durchsuchen")
    expect(field).to_have_attribute("aria-expanded", "false")

    field.press_sequentially("Mobilit")
    listbox = page.get_by_role("listbox", name="Suchvorschläge")
    expect(listbox).to_be_visible()
    expect(field).to_have_attribute("aria-expanded", "true")
    options = listbox.get_by_role("option")
    expect(options.first).to_contain_text("Mobilität")
    expect(options.first).to_contain_text("Thema")
    expect(page.get_by_role("status").filter(has_text="Vorschl")).to_have_count(1)

    # Arrow keys move the highlight; the focus stays in the field.
    field.press("ArrowDown")
    first_id = options.first.get_attribute("id")
    expect(field).to_have_attribute("aria-activedescendant", first_id)
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(field).to_be_focused()
    if options.count() > 1:
        field.press("ArrowDown")
        expect(options.first).to_have_attribute("aria-selected", "false")
        field.press("ArrowUp")
        expect(field).to_have_attribute("aria-activedescendant", first_id)

    # Escape closes, ArrowDown opens again, Enter follows the highlighted suggestion.
    field.press("Escape")
    expect(listbox).to_be_hidden()
    expect(field).to_have_attribute("aria-expanded", "false")
    expect(field).to_have_value("Mobilit")
    field.press("ArrowDown")
    expect(listbox).to_be_visible()
    field.press("Enter")

    expect(page).to_have_url(re.compile(r"/suche/\?thema=mobilitaet$"))
    expect(page.locator(".search-active-filters")).to_contain_text("Thema: Mobilität")
    assert page.locator(RESULT).count() > 0
    for labels in page.locator(f"{RESULT} .labels").all_inner_texts():
        assert "Mobilität" in labels


def test_search_page_query_facet_and_removal(page, live_server, search_site):
    page.goto(live_server.url + "/suche/")
    field = page.get_by_role("combobox", name="Suchbegriff")
    field.fill("Bürgerrat")
    # Enter without a highlighted suggestion submits the form as usual.
    field.press("Enter")

    expect(page).to_have_url(re.compile(r"/suche/\?q=B%C3%BCrgerrat$"))
    expect(page.locator("#results-heading")).to_contain_text("Treffer für „Bürgerrat“")
    expect(page.locator(f"{RESULT} mark").first).to_be_visible()
    total = result_count(page)

    facets = page.locator("form.filters__form")
    states = facets.get_by_role("group", name="Bundesland").get_by_role("checkbox")
    state_box = states.first
    state_label = facets.locator(f"label[for='{state_box.get_attribute('id')}']").inner_text()
    state_name = state_label.rsplit(" (", 1)[0]
    expected = int(state_label.rsplit("(", 1)[1].rstrip(")"))
    state_box.check()
    facets.get_by_role("button", name="Filter anwenden").click()

    expect(page).to_have_url(re.compile(r"[?&]land=[A-Z]{2}(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]q=B%C3%BCrgerrat(&|$)"))
    assert result_count(page) == expected < total
    for place in page.locator(f"{RESULT} .card__place").all_inner_texts():
        assert state_name in place
    expect(
        page.locator("form.filters__form")
        .get_by_role("group", name="Bundesland")
        .get_by_label(state_label)
    ).to_be_checked()

    # Phone width: nothing overflows; then remove the filter from the summary above the results.
    page.set_viewport_size({"width": 360, "height": 740})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px horizontal overflow"
    page.get_by_role("link", name=f"Filter entfernen: Bundesland: {state_name}").click()
    expect(page).not_to_have_url(re.compile(r"land="))
    assert result_count(page) == total
