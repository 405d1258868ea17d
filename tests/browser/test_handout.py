"""What town staff take to their council (issue 17), in a real browser: the PDF handout of a
case (at most two A4 pages, with the transfer facts), the print stylesheet, copying the
link, the compare view reached from a case page, and facets that apply at once when ticked
with the mouse while the apply button stays next to them."""

import io
import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from casestudies.models import CasePage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A full case (long story, every transfer fact), a case with a few facts, an intermunicipal one.
HANDOUT_CASES = [
    "osterburg-buergerrat-klimaschutz",
    "koenigslutter-machbar",
    "istag-muensterland-wohnungsbaugesellschaft",
]
A4_POINTS = (595, 842)


@pytest.fixture(autouse=True)
def _patient(page):
    """The test hosts are shared and busy; a PDF is laid out on the server in seconds."""
    page.set_default_timeout(60_000)


def pdf_pages_by_pdfinfo(data, tmp_path):
    pdfinfo = shutil.which("pdfinfo")
    assert pdfinfo, "pdfinfo fehlt (poppler-utils, scripts/ensure-pdf-libs)"
    path = tmp_path / "handout.pdf"
    path.write_bytes(data)
    output = subprocess.run(  # noqa: S603 - pdfinfo on a file this test wrote
        [pdfinfo, str(path)], capture_output=True, text=True, check=True
    )
    return int(re.search(r"^Pages:\s+(\d+)", output.stdout, re.M).group(1))


@pytest.mark.parametrize("slug", HANDOUT_CASES)
def test_pdf_handout_fits_two_pages_and_has_the_transfer_facts(
    page, live_server, demo_site, slug, tmp_path
):
    case = CasePage.objects.get(slug=slug)
    # Generous timeouts: the first request of a test builds the search snapshot, and the
    # test hosts are shared.
    page.goto(live_server.url + case.url, timeout=120_000)
    link = page.get_by_role("link", name="Als PDF")
    expect(link).to_be_visible()
    response = page.request.get(live_server.url + link.get_attribute("href"), timeout=120_000)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    data = response.body()
    reader = PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    assert 1 <= pages <= 2, pages
    assert pdf_pages_by_pdfinfo(data, tmp_path) == pages
    width, height = (round(float(v)) for v in reader.pages[0].mediabox[2:])
    assert (width, height) == A4_POINTS

    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert case.title in text
    for label in ("Budgetrahmen", "Kosten", "Förderquote", "Personal", "Zeitbedarf"):
        assert label.upper() in text.upper(), label
    for fact in case.transfer_facts:
        expected = " ".join(fact.value.split()[:3]) if fact.given else "nicht angegeben"
        assert expected in text, (fact.name, expected)
    assert live_server.url + case.url in text  # the link back, also as QR code
    # No navigation, no embed code, no story in the handout.
    assert "Hauptnavigation" not in text and "Einbetten" not in text
    assert "Zum Inhalt springen" not in text


def test_print_stylesheet_keeps_the_handout_parts(page, live_server, demo_site):
    case = CasePage.objects.get(slug=HANDOUT_CASES[0])
    page.goto(live_server.url + case.url)
    expect(page.locator(".story")).to_be_visible()
    page.emulate_media(media="print")
    for hidden in (".main-nav", ".site-footer", ".share", ".case-actions", ".story", ".breadcrumb"):
        expect(page.locator(hidden).first).to_be_hidden()
    for shown in (".factbox", ".transfer", ".contacts", ".case__source", ".case__online"):
        expect(page.locator(shown)).to_be_visible()
    expect(page.locator(".case__online")).to_contain_text(live_server.url + case.url)


def test_copy_link_and_mail(page, live_server, demo_site):
    case = CasePage.objects.get(slug=HANDOUT_CASES[0])
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(live_server.url + case.url)
    page.get_by_role("button", name="Link kopieren").click()
    expect(page.locator("[data-copy-status]")).to_have_text("Link kopiert.")
    assert page.evaluate("navigator.clipboard.readText()") == live_server.url + case.url
    mail = page.get_by_role("link", name="Per E-Mail senden").get_attribute("href")
    assert mail.startswith("mailto:?subject=Praxisfall%3A%20")


def test_compare_from_a_case_page(page, live_server, demo_site):
    first = CasePage.objects.get(slug=HANDOUT_CASES[0])
    page.goto(live_server.url + first.url)
    page.get_by_role("link", name="Vergleichen").click()
    table = page.get_by_role("table")
    expect(table.get_by_role("columnheader")).to_have_count(1)
    page.get_by_label("Titel enthält").fill("MachBar")
    page.get_by_role("button", name="Fälle suchen").click()
    page.locator(".compare__candidates a").first.click()
    expect(table.get_by_role("columnheader")).to_have_count(2)
    budget_row = table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Budgetrahmen")
    )
    expect(budget_row.get_by_role("cell")).to_have_count(2)
    # Chromium puts a space before the visually hidden part of the name.
    remove = re.compile(rf"^Entfernen\s*: {re.escape(first.title)}$")
    page.get_by_role("link", name=remove).click()
    expect(table.get_by_role("columnheader")).to_have_count(1)
    expect(table).not_to_contain_text(first.title)


def test_facet_applies_when_ticked_with_the_mouse(page, live_server, demo_site):
    page.goto(live_server.url + "/suche/?q=Stadt")
    facets = page.locator("form.filters__form")
    scope = facets.get_by_role("group", name="Reichweite").get_by_role("checkbox").first
    value = scope.get_attribute("value")
    with page.expect_navigation():
        scope.click()
    expect(page).to_have_url(re.compile(rf"[?&]reichweite={value}(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]q=Stadt(&|$)"))

    page.goto(live_server.url + demo_site.library.url)
    budget = page.locator("form.filters__form").get_by_role("group", name="Budgetrahmen")
    box = budget.get_by_role("checkbox").nth(1)
    value = box.get_attribute("value")
    with page.expect_navigation():
        box.click()
    expect(page).to_have_url(re.compile(rf"[?&]budget={value}(&|$)"))
    expect(page.locator(".active-filters")).to_contain_text("Budgetrahmen")


def test_apply_button_stays_next_to_the_facets_without_scripts(browser, live_server, demo_site):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + "/suche/?q=Stadt")
        apply = page.get_by_role("button", name="Filter anwenden")
        # Before, the button sat about 1,900 px down, below the long funding list.
        expect(apply).to_be_in_viewport()
        last = page.locator("form.filters__form fieldset").last.get_by_role("checkbox").first
        last.scroll_into_view_if_needed()
        expect(apply).to_be_in_viewport()
        value = last.get_attribute("value")
        last.check()
        apply.click()
        expect(page).to_have_url(re.compile(rf"={re.escape(value)}(&|$)"))
    finally:
        context.close()
