"""What a visitor sees and can do in a real browser: every public page type, the library
filters without and with JavaScript, pagination, search, the 404 page and the two-click video."""

import re

import pytest
from playwright.sync_api import expect

from casestudies.models import Contact

pytestmark = [
    pytest.mark.browser,
    # The live server runs in another thread and must see the data: transactional tests.
    pytest.mark.django_db(transaction=True),
]

CARD = "article.case-card"
VIDEO_URL = "https://www.youtube.com/watch?v=praxisatlas"
VIDEO_HOST = "www.youtube-nocookie.com"


def assert_no_horizontal_overflow(page):
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px horizontal overflow"


def open_page(page, live_server, path):
    response = page.goto(live_server.url + path)
    assert response is not None
    return response


def test_home_theme_link_and_search(page, live_server, demo_site):
    response = open_page(page, live_server, "/")
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text(demo_site.home.title)
    expect(page.get_by_role("heading", name="Ausgewählte Praxisfälle")).to_be_visible()
    assert page.locator(CARD).count() > 0
    themes = page.locator(".theme-tile a")
    assert themes.count() > 0

    # The skip link is the first thing a keyboard user reaches and leads to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()

    theme_name = themes.first.inner_text()
    themes.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(theme_name)

    # Search from the header form.
    open_page(page, live_server, "/")
    page.get_by_label("Praxisfälle durchsuchen").fill("Leerstand")
    page.get_by_label("Praxisfälle durchsuchen").press("Enter")

    expect(page).to_have_url(re.compile(r"/suche/\?q=Leerstand"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Suche")
    expect(page.get_by_label("Suchbegriff")).to_have_value("Leerstand")
    expect(page.locator(".listing__count")).to_contain_text("Treffer")
    assert page.locator(CARD).count() > 0

    open_page(page, live_server, "/suche/?q=xqzzyvwq")
    expect(page.get_by_text("Keine Praxisfälle gefunden.")).to_be_visible()


def test_library_filters_and_pagination(browser, page, live_server, demo_site):
    open_page(page, live_server, demo_site.library.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(demo_site.library.title)
    assert page.locator(CARD).count() > 0
    total = page.locator(".listing__count").inner_text()

    # Filter by the (first) state of the first case shown.
    state = page.locator(f"{CARD} .card__state").first.inner_text().strip("() ").split(", ")[0]
    filters = page.locator("form.filters__form")
    filters.get_by_role("group", name="Bundesland").get_by_label(state, exact=True).check()
    filters.get_by_role("button", name="Filter anwenden").click()

    expect(page).to_have_url(re.compile(r"[?&]land=[A-Z]{2}(&|$)"))
    cards = page.locator(CARD)
    assert cards.count() > 0
    for text in cards.all_inner_texts():
        assert state in text, text
    expect(page.locator(".active-filters")).to_contain_text(state)
    expect(
        filters.get_by_role("group", name="Bundesland").get_by_label(state, exact=True)
    ).to_be_checked()

    # Resetting brings back the whole library.
    filters.get_by_role("link", name="Filter zurücksetzen").click()
    expect(page.locator(".listing__count")).to_have_text(total)

    # Pagination keeps the other parameters.
    open_page(page, live_server, demo_site.library.url + "?sortierung=titel")
    pagination = page.get_by_role("navigation", name="Seitennavigation")
    expect(pagination).to_have_count(1)
    first_title = page.locator(f"{CARD} h3").first.inner_text()
    pagination.get_by_role("link", name="Nächste Seite").click()
    expect(page).to_have_url(re.compile(r"seite=2"))
    expect(page).to_have_url(re.compile(r"sortierung=titel"))
    expect(pagination.locator("[aria-current='page']")).to_contain_text("2")
    assert page.locator(CARD).count() > 0
    assert page.locator(f"{CARD} h3").first.inner_text() != first_title

    # At 320 px nothing overflows, and the filters start collapsed and open on demand.
    page.set_viewport_size({"width": 320, "height": 700})
    open_page(page, live_server, demo_site.library.url)
    assert_no_horizontal_overflow(page)
    apply = page.get_by_role("button", name="Filter anwenden")
    expect(apply).to_be_hidden()
    page.locator(".filters__summary").click()
    expect(apply).to_be_visible()

    # Without JavaScript the filter form works the same (and starts open).
    context = browser.new_context(java_script_enabled=False)
    try:
        no_js = context.new_page()
        no_js.goto(live_server.url + demo_site.library.url)
        filters = no_js.locator("form.filters__form")
        status = filters.get_by_role("group", name="Status").get_by_role("checkbox").first
        label = filters.locator(f"label[for='{status.get_attribute('id')}']").inner_text()
        status.check()
        filters.get_by_role("button", name="Filter anwenden").click()
        expect(no_js).to_have_url(re.compile(r"[?&]status=\w+"))
        statuses = no_js.locator(f"{CARD} .status").all_inner_texts()
        assert statuses
        assert all(text == label for text in statuses), statuses
    finally:
        context.close()


def test_theme_index_and_theme_page(page, live_server, demo_site):
    open_page(page, live_server, demo_site.library.url + "thema/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Themen")
    tiles = page.locator(".theme-tile")
    assert tiles.count() > 0
    tile = tiles.filter(has_text=re.compile(r"\b[1-9]\d* Fäll?e?\b")).first
    theme_name = tile.locator("h3").inner_text()
    tile.get_by_role("link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(theme_name)
    # The theme is fixed by the URL, so the form offers no theme filter.
    expect(page.locator("form.filters__form legend", has_text="Thema")).to_have_count(0)
    cards = page.locator(CARD)
    assert cards.count() > 0
    for labels in cards.locator(".labels").all_inner_texts():
        assert theme_name in labels


def test_case_page(page, live_server, demo_site):
    case = demo_site.case("koenigslutter-machbar")
    open_page(page, live_server, case.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(case.title)

    breadcrumb = page.get_by_role("navigation", name="Sie sind hier")
    expect(breadcrumb.get_by_role("link", name="Praxisfälle")).to_be_visible()

    factbox = page.locator(".factbox")
    expect(factbox.get_by_role("heading", name="Steckbrief")).to_be_visible()
    expect(factbox).to_contain_text("Königslutter am Elm")
    expect(factbox).to_contain_text("Niedersachsen")
    expect(factbox).to_contain_text(case.get_status_display())
    if case.last_checked:
        expect(factbox).to_contain_text("Zuletzt geprüft:")

    # The fact box comes before the story.
    story_heading = page.locator(".story h2").first
    assert factbox.bounding_box()["y"] < story_heading.bounding_box()["y"]
    expect(
        page.get_by_role("heading", name="Übertragbarkeit: Was andere Städte lernen können")
    ).to_be_visible()

    page.set_viewport_size({"width": 320, "height": 700})
    assert_no_horizontal_overflow(page)

    # Names of contacts who did not agree to publication never reach the page.
    content = page.content()
    for contact in Contact.objects.filter(case_links__page=case, is_public=False).exclude(name=""):
        assert contact.name not in content


def test_not_found_page(page, live_server, browser_log):
    browser_log.allow_console_error(r"status of 404")
    response = open_page(page, live_server, "/gibt-es-nicht/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Seite nicht gefunden")
    expect(page.get_by_role("link", name="Zur Startseite")).to_be_visible()


def test_video_loads_only_after_consent(page, live_server, browser_log, demo_site):
    from wagtail.embeds.embeds import get_embed_hash
    from wagtail.embeds.models import Embed

    # A stored embed, so the server does not ask the provider either.
    Embed.objects.create(
        url=VIDEO_URL,
        hash=get_embed_hash(VIDEO_URL),
        type="video",
        html=(
            f'<iframe src="https://{VIDEO_HOST}/embed/praxisatlas" title="Demo-Video" '
            'width="640" height="360" allowfullscreen></iframe>'
        ),
        provider_name="YouTube",
        width=640,
        height=360,
    )
    case = demo_site.case("koenigslutter-machbar").get_latest_revision_as_object()
    case.body.append(
        (
            "section",
            {
                "kind": "other",
                "heading": "Video",
                "content": [("video", {"video": VIDEO_URL, "caption": "Die MachBar"})],
            },
        )
    )
    case.save_revision().publish()

    page.route(
        f"https://{VIDEO_HOST}/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>Video</p>"),
    )
    open_page(page, live_server, case.url)
    button = page.get_by_role(
        "button", name="Video laden (Daten werden an den Anbieter übertragen)"
    )
    expect(button).to_be_visible()
    expect(page.get_by_role("link", name="Video beim Anbieter ansehen")).to_have_attribute(
        "href", VIDEO_URL
    )
    expect(page.locator(".video iframe")).to_have_count(0)
    assert browser_log.foreign_requests() == []

    browser_log.allow_host(VIDEO_HOST)
    button.click()
    expect(page.locator(".video iframe")).to_have_attribute(
        "src", f"https://{VIDEO_HOST}/embed/praxisatlas"
    )
