"""Accessibility in a real browser: axe-core's WCAG 2.1 A/AA rules over every public page type
(the admin excluded), reflow at 320 px, and keyboard-only use of the skip link, the header
search with its suggestions, the library filters and the embed box with its copy button.

axe-core comes from the npm registry, pinned in tests/browser/package-lock.json and installed
by scripts/ensure-axe (``make test`` and ``.ci/run`` call it)."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from alerts.models import Subscription
from alerts.tokens import CONFIRM_SALT, UNSUBSCRIBE_SALT, make_token
from search import engine
from tests.browser import error_urls
from tests.browser.page_types import RICH_CASE, add_page_types, public_pages

pytestmark = [pytest.mark.browser, pytest.mark.axe, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def axe_source():
    if not AXE.exists():
        message = f"axe-core fehlt unter {AXE} (scripts/ensure-axe)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def site(demo_site):
    add_page_types(demo_site)
    yield demo_site
    engine.reset_snapshot()


def run_axe(page, axe_source):
    """axe-core's WCAG 2.0/2.1 A and AA rules on the document as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    return page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: 'tag', values: tags},
            resultTypes: ['violations'],
        }).then(result => result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
        })))""",
        WCAG_TAGS,
    )


def describe_violations(name, url, violations):
    """One readable block per page: rule, impact, help, and the first offending elements."""
    lines = [f"{name} ({url}):"]
    for violation in violations:
        lines.append(
            f"  [{violation['impact']}] {violation['id']}: {violation['help']}"
            f" ({len(violation['nodes'])}x) {violation['helpUrl']}"
        )
        for node in violation["nodes"][:5]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    - {node['target']}: {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... und {len(violation['nodes']) - 5} weitere")
    return "\n".join(lines)


def open_all_details(page):
    """Open every closed <details> (filters on phones, the embed box), so that axe also sees
    what they hide. Returns how many were closed."""
    return page.evaluate(
        """() => { let opened = 0;
            document.querySelectorAll('details:not([open])').forEach(d => { d.open = true;
            opened++; }); return opened; }"""
    )


def horizontal_overflow(page):
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


class Audit:
    """axe-core and reflow checks over a series of pages, collecting every finding, so that
    one run reports all pages that fail."""

    def __init__(self, page, live_server, axe_source):
        self.page = page
        self.server = live_server.url
        self.axe_source = axe_source
        self.report = []
        self.overflowing = []

    def axe(self, name, url):
        violations = run_axe(self.page, self.axe_source)
        if violations:
            self.report.append(describe_violations(name, url, violations))

    def check(self, name, path, status, heading=None):
        """A page by its address: see ``check_loaded``."""
        self.check_loaded(name, lambda: self.page.goto(self.server + path), status, heading)

    def check_loaded(self, name, load, status, heading=None):
        """Load a page with ``load()`` (returns the response): axe as loaded, with its
        <details> opened, and loaded again at 320 px (WCAG 1.4.10 reflow: nothing scrolls
        sideways)."""
        response = load()
        assert response is not None and response.status == status, (name, self.page.url)
        if heading is not None:
            expect(self.page.get_by_role("heading", level=1)).to_have_text(heading)
        url = self.page.url
        self.axe(name, url)
        if open_all_details(self.page):
            self.axe(f"{name}, aufgeklappt", url)
        self.page.set_viewport_size({"width": 320, "height": 700})
        try:
            response = load()
            assert response is not None and response.status == status, (name, url)
            overflow = horizontal_overflow(self.page)
            if overflow > 0:
                self.overflowing.append(f"{name} ({url}): {overflow}px")
            self.axe(f"{name}, 320 px", url)
        finally:
            self.page.set_viewport_size({"width": 1280, "height": 900})

    def assert_clean(self):
        report = "\n".join(self.report)
        assert not report, f"axe-core (WCAG 2.1 A/AA) meldet Verstöße:\n{report}"
        overflowing = "\n".join(self.overflowing)
        assert not overflowing, f"Waagerechter Überlauf bei 320 px:\n{overflowing}"


def test_axe_reports_violations(page, live_server, axe_source, browser_log):
    """The check itself can fail: broken markup on a real page is reported, by rule."""
    browser_log.allow_console_error(r"status of 404")
    page.goto(live_server.url + "/gibt-es-nicht/")
    assert run_axe(page, axe_source) == []
    page.evaluate(
        """() => { const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend',
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">' +
            '<input type="text" name="ohne-label">' +
            '<p style="color:#bbb;background:#fff">Blasser Text</p>' +
            '<a href="/"><span></span></a>');
        document.documentElement.removeAttribute('lang'); }"""
    )
    violations = run_axe(page, axe_source)
    assert {v["id"] for v in violations} >= {
        "image-alt",
        "label",
        "color-contrast",
        "link-name",
        "html-has-lang",
    }
    report = describe_violations("Kaputt", page.url, violations)
    assert "[critical] image-alt: Images must have alternative text" in report
    assert "- img:" in report


def test_every_public_page_passes_axe_and_reflows_at_320px(
    page, live_server, browser_log, site, axe_source
):
    """Each page type as loaded, with its <details> opened, and at 320 px (WCAG 1.4.10
    reflow: nothing scrolls sideways)."""
    browser_log.allow_console_error(r"status of 40[04]")
    audit = Audit(page, live_server, axe_source)
    pages = public_pages(site)
    for name, path, status in pages:
        audit.check(name, path, status)
    assert len(pages) >= 35
    audit.assert_clean()


@pytest.mark.urls("tests.browser.error_urls")
def test_error_pages_pass_axe_and_reflow_at_320px(
    page, live_server, browser_log, axe_source, settings
):
    """The standalone error pages (templates/error_base.html) as the server sends them: the
    500 page of an exception in a view, the 503 page when the database is unreachable, and
    django-axes' lockout page after too many failed admin logins."""
    browser_log.allow_console_error(r"status of (500|503|429)")
    audit = Audit(page, live_server, axe_source)
    audit.check("Serverfehler", error_urls.SERVER_ERROR, 500, "Ein Fehler ist aufgetreten")
    audit.check(
        "Datenbank nicht erreichbar",
        error_urls.DATABASE_DOWN,
        503,
        "Der Praxisatlas ist gerade nicht erreichbar",
    )

    # One failed login locks "redaktion" from this address; while locked, every further
    # attempt gets the lockout page again (429).
    settings.AXES_FAILURE_LIMIT = 1

    def failed_login():
        page.goto(live_server.url + "/admin/login/")
        page.locator("input[name=username]").fill("redaktion")
        page.locator("input[name=password]").fill("falsch")
        with page.expect_navigation() as navigation:
            page.locator("form button[type=submit]").click()
        return navigation.value

    audit.check_loaded("Anmeldung gesperrt", failed_login, 429, "Anmeldung vorübergehend gesperrt")
    audit.assert_clean()


def test_alerts_flow_pages_pass_axe(page, live_server, browser_log, site, axe_source):
    """The pages behind the form buttons: the form with errors, pending (after subscribing),
    confirmed and unsubscribed."""
    browser_log.allow_console_error(r"status of 400")
    report = []

    def check(name):
        violations = run_axe(page, axe_source)
        if violations:
            report.append(describe_violations(name, page.url, violations))

    page.goto(live_server.url + "/benachrichtigungen/")
    page.get_by_role("button", name="Benachrichtigung anfordern").click()
    expect(page.locator("#form-errors")).to_be_visible()
    check("Benachrichtigung: Formular mit Fehlern")

    page.get_by_label("E-Mail-Adresse").fill("leser@example.org")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="Benachrichtigung anfordern").click()
    expect(page.locator("#form-errors")).to_have_count(0)
    check("Benachrichtigung bestellt")

    subscription = Subscription.objects.get(email="leser@example.org")
    page.goto(
        f"{live_server.url}/benachrichtigungen/bestaetigen/"
        f"{make_token(subscription, CONFIRM_SALT)}/"
    )
    page.get_by_role("button", name="Ja, Benachrichtigung bestätigen").click()
    expect(page.get_by_role("button", name="Ja, Benachrichtigung bestätigen")).to_have_count(0)
    check("Benachrichtigung bestätigt")

    page.goto(
        f"{live_server.url}/benachrichtigungen/abmelden/"
        f"{make_token(subscription, UNSUBSCRIBE_SALT)}/"
    )
    page.get_by_role("button", name="Abmelden und Adresse löschen").click()
    expect(page.get_by_role("button", name="Abmelden und Adresse löschen")).to_have_count(0)
    assert not Subscription.objects.filter(email="leser@example.org").exists()
    check("Benachrichtigung abgemeldet")
    assert not report, "axe-core (WCAG 2.1 A/AA) meldet Verstöße:\n" + "\n".join(report)


def test_suggestion_form_pages_pass_axe(page, live_server, browser_log, site, axe_source):
    """'Fall vorschlagen' with errors and after sending (the form itself is in the tour)."""
    from suggestions.forms import MIN_SECONDS

    browser_log.allow_console_error(r"status of 400")
    report = []

    def check(name):
        violations = run_axe(page, axe_source)
        if violations:
            report.append(describe_violations(name, page.url, violations))

    page.goto(live_server.url + "/fall-vorschlagen/")
    page.get_by_role("button", name="Vorschlag senden").click()
    expect(page.locator("#form-errors")).to_be_visible()
    check("Fall vorschlagen: Formular mit Fehlern")

    page.get_by_label("Titel des Projekts").fill("Repair-Café im Rathaus")
    page.get_by_label("Ort", exact=True).fill("Osterburg (Altmark)")
    page.get_by_label("Kurzbeschreibung").fill("Einmal im Monat reparieren Ehrenamtliche.")
    page.get_by_label("Ihr Name").fill("Max Beispiel")
    page.get_by_label("Ihre E-Mail-Adresse").fill("max@example.org")
    page.locator("input[name=consent]").check()
    page.wait_for_timeout(MIN_SECONDS * 1000 + 300)
    page.get_by_role("button", name="Vorschlag senden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vielen Dank für Ihren Vorschlag")
    check("Fall vorschlagen: gesendet")
    assert not report, "axe-core (WCAG 2.1 A/AA) meldet Verstöße:\n" + "\n".join(report)


# Keyboard only: from here on the tests use nothing but page.keyboard.


FOCUS_STYLE = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    return {
        tabbable: element.tabIndex >= 0,
        tag: element.tagName.toLowerCase(),
        id: element.id,
        text: (element.innerText || element.value || element.getAttribute('aria-label') || '')
            .trim().slice(0, 60),
        visible: outline || shadow,
    };
}"""


def press(page, key):
    """Press a key; wherever the focus is then, it must be visible. Exempt are only targets
    outside the tab order (tabindex="-1", like <main> after the skip link): they are not
    controls, and the next Tab goes on from there."""
    page.keyboard.press(key)
    focused = page.evaluate(FOCUS_STYLE)
    if focused is not None and focused["tabbable"]:
        assert focused["visible"], f"Fokus nicht sichtbar nach {key}: {focused}"
    return focused


def press_to_navigate(page, key="Enter"):
    """Press a key that follows a link or submits a form, and wait for the new page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def tab_to(page, selector, key="Tab", limit=150):
    """Tab (or Shift+Tab) until the element matching ``selector`` has the focus, checking
    at every step that the focus is visible."""
    for _step in range(limit):
        press(page, key)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} nach {limit}x {key} nicht erreicht")


def test_skip_link_and_header_search_by_keyboard(page, live_server, site, axe_source):
    page.goto(live_server.url + "/")
    focused = press(page, "Tab")
    assert focused["text"] == "Zum Inhalt springen"
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_visible()
    press(page, "Enter")
    expect(page).to_have_url(live_server.url + "/#main")
    expect(page.locator("main")).to_be_focused()
    # The next Tab continues inside the main content, not in the header.
    press(page, "Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")

    # Back up to the header search with Shift+Tab, type, pick the first suggestion.
    tab_to(page, "#header-q", key="Shift+Tab")
    page.keyboard.type("Mobilit")
    listbox = page.get_by_role("listbox", name="Suchvorschläge")
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option").first).to_contain_text("Mobilität")
    press(page, "ArrowDown")
    expect(listbox.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    # The open suggestion list (combobox, listbox, options) passes axe as well.
    violations = run_axe(page, axe_source)
    assert not violations, describe_violations("Vorschlagsliste", page.url, violations)
    press_to_navigate(page)
    expect(page).to_have_url(f"{live_server.url}/suche/?thema=mobilitaet")
    expect(page.locator(".search-active-filters")).to_contain_text("Thema: Mobilität")


def test_library_filters_by_keyboard(page, live_server, site):
    page.goto(live_server.url + site.library.url)
    form = page.locator("form.filters__form")
    first_state = form.get_by_role("group", name="Bundesland").get_by_role("checkbox").first
    state_id = first_state.get_attribute("id")
    state_code = first_state.get_attribute("value")
    state_name = page.locator(f"label[for='{state_id}']").inner_text()
    tab_to(page, f"#{state_id}")
    press(page, "Space")
    expect(first_state).to_be_checked()
    # The sort order from its select with an arrow key, then Enter on the apply button.
    sort = form.locator("select[name=sortierung]")
    tab_to(page, "form.filters__form select[name=sortierung]")
    before = sort.input_value()
    press(page, "ArrowDown")
    after = sort.input_value()
    assert after != before
    tab_to(page, "form.filters__form button[type=submit]")
    press_to_navigate(page)
    expect(page).to_have_url(re.compile(rf"[?&]land={state_code}(&|$)"))
    expect(page).to_have_url(re.compile(rf"[?&]sortierung={re.escape(after)}(&|$)"))
    expect(page.locator(".active-filters")).to_contain_text(state_name)
    for text in page.locator("article.case-card .card__state").all_inner_texts():
        assert state_name in text


def test_embed_box_and_copy_button_by_keyboard(page, live_server, site):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + site.case(RICH_CASE).url)
    share = page.locator("details.share")
    expect(share).not_to_have_attribute("open", "")
    tab_to(page, "details.share > summary")
    press(page, "Enter")
    expect(share).to_have_attribute("open", "")
    code = share.locator("textarea").first
    expect(code).to_be_visible()
    tab_to(page, "details.share [data-share-copy]")
    press(page, "Space")
    expect(share.get_by_role("status").first).to_have_text("Code kopiert.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == code.input_value()
    assert "<iframe" in copied
    # Enter on the summary closes the box again.
    tab_to(page, "details.share > summary", key="Shift+Tab")
    press(page, "Enter")
    expect(share).not_to_have_attribute("open", "")
