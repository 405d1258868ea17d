"""The everyday job of the editorial team, through the admin in Chromium: an editor creates
a case (address derived from an umlaut title, a new town from the chooser, a title image
uploaded in the image chooser), saves a draft, sees it in the preview panel and submits it;
the moderator approves it and the case is live, in the search and with its new town. Guides
and events are written, previewed and submitted by the editor the same way, and published by
the moderator. Themes and partner organisations are created from inside the case form
(a near-duplicate theme offers the existing one).

Only the users and their groups are set up directly (as ``setup_editorial`` does); every
step after the login goes through the admin's forms and buttons."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from PIL import Image
from playwright.sync_api import expect
from wagtail.models import Page

from agenda.models import EventIndexPage
from casestudies.models import CasePage, FundingProgramme, Organisation, Theme, Town
from editorial.setup import ADMINISTRATORS, EDITORS, MODERATORS, ensure_groups
from knowledge.models import KnowledgeIndexPage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.browser.media_urls"),
]

PASSWORD = "lang-genug-und-geheim"  # noqa: S105 - a test login
TITLE = "Mitfahrbänke verbinden die Ortsteile von Tangerhütte"
SLUG = "mitfahrbaenke-verbinden-die-ortsteile-von-tangerhuette"
# Wagtail's autosave posts the form while the editor is still typing; a half-filled form
# (an empty town row) is answered with 400 and the browser logs the failed request.
AUTOSAVE_URL = re.compile(r"/admin/pages/(add/[a-z_]+/[a-z_]+/\d+|\d+/edit)/$")


@pytest.fixture
def logins(demo_site):
    ensure_groups()
    users = {}
    for username, group in (
        ("redaktion", EDITORS),
        ("moderation", MODERATORS),
        ("verwaltung", ADMINISTRATORS),
    ):
        user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
        user.groups.add(Group.objects.get(name=group))
        users[username] = user
    return users


@pytest.fixture
def failed_requests(page, browser_log):
    """Responses of 400 and more; the autosave's 400s are checked, not ignored."""
    failed = []
    page.on(
        "response",
        lambda response: (
            failed.append((response.request.method, response.url, response.status))
            if response.status >= 400
            else None
        ),
    )
    browser_log.allow_console_error(r"the server responded with a status of 400")
    yield failed
    unexpected = [
        entry
        for entry in failed
        if not (entry[0] == "POST" and entry[2] == 400 and AUTOSAVE_URL.search(entry[1]))
    ]
    assert not unexpected


@pytest.fixture
def title_image(tmp_path):
    path = tmp_path / "mitfahrbank.png"
    image = Image.new("RGB", (1200, 800), (40, 110, 90))
    image.paste((230, 200, 40), (300, 250, 900, 550))
    image.save(path)
    return path


def log_in(page, live_server, username):
    page.context.clear_cookies()
    page.goto(live_server.url + "/admin/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(live_server.url + "/admin/")


def type_title(page, title, slug):
    """Types the title as an editor does; the address below it follows."""
    page.locator("#id_title").press_sequentially(title)
    page.locator("#id_title").press("Tab")
    address = page.get_by_role("textbox", name="Adresse (slug)")
    expect(address).to_be_visible()
    expect(address).to_have_value(slug)


# The form's own submission: to the add view of a new page or the edit view of a saved one
# (not the preview panel's background POSTs to .../preview/).
PAGE_FORM_POST = re.compile(r"/admin/pages/(add/[\w/]+|\d+/edit)/$")


def save_draft(page):
    """Saves and waits for the server's answer to the form: the edit address alone is no
    sign, a saved page is already at it before its form is sent."""
    with page.expect_response(
        lambda response: (
            response.request.method == "POST" and PAGE_FORM_POST.search(response.url) is not None
        )
    ):
        page.get_by_role("button", name="Entwurf speichern").click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/edit/$"))


def expect_preview(page, title):
    """Opens the preview side panel; the page is rendered in its frame."""
    page.get_by_role("button", name="Vorschau umschalten").click()
    frame = page.frame_locator("#w-preview-iframe")
    expect(frame.get_by_role("heading", level=1)).to_have_text(title, timeout=20_000)
    return frame


def choose_new_town(page):
    page.get_by_role("button", name="Ort hinzufügen").click()
    page.get_by_role("button", name="Ort auswählen").click()
    modal = page.locator(".modal-dialog")
    modal.get_by_role("tab", name="Neuen Ort anlegen").click()
    modal.get_by_label("Name").fill("Tangerhütte")
    modal.get_by_label("Bundesland").select_option(label="Sachsen-Anhalt")
    modal.get_by_label("Einwohnerzahl").fill("10480")
    modal.get_by_label("Amtlicher Gemeindeschlüssel (AGS)").fill("15090535")
    modal.get_by_role("button", name="Ort anlegen").click()
    expect(modal).to_be_hidden()
    expect(page.get_by_text("Tangerhütte (ST)")).to_be_visible()


def upload_title_image(page, path):
    page.get_by_role("button", name="Bild auswählen").click()
    modal = page.locator(".modal-dialog")
    modal.get_by_role("tab", name="Hochladen").click()
    modal.locator("input[type=file]").set_input_files(str(path))
    modal.get_by_label("Titel").fill("Mitfahrbank am Ortsausgang")
    modal.get_by_role("button", name="Hochladen").click()
    expect(modal).to_be_hidden()
    expect(page.get_by_text("Mitfahrbank am Ortsausgang")).to_be_visible()


def test_editor_creates_case_moderator_approves(
    page, live_server, demo_site, logins, failed_requests, title_image
):
    log_in(page, live_server, "redaktion")
    page.goto(f"{live_server.url}/admin/pages/{demo_site.library.pk}/")
    page.get_by_role("link", name="Unterseite hinzufügen").first.click()
    page.get_by_role("link", name="Praxisfall", exact=True).click()
    type_title(page, TITLE, SLUG)
    page.get_by_role("textbox", name="Kurzfassung").fill(
        "Gelbe Bänke an den Ortsausgängen: wer sich setzt, möchte in den Nachbarort mitfahren."
    )
    upload_title_image(page, title_image)
    page.get_by_role("tab", name="Fakten").click()
    choose_new_town(page)
    page.get_by_role("textbox", name="Zeitraum", exact=True).fill("seit 2019")
    page.get_by_role("checkbox", name="Mobilität").check()
    # Förderprogramme: a long list with a search field above it.
    programme = FundingProgramme.objects.order_by("-name").first()
    programmes = page.locator("#id_funding_programmes input[type=checkbox]")
    page.get_by_role("searchbox", name="Förderprogramm suchen").fill(programme.name[:14])
    expect(page.get_by_role("checkbox", name=programme.name)).to_be_visible()
    assert programmes.locator("visible=true").count() < programmes.count()
    page.get_by_role("checkbox", name=programme.name).check()
    save_draft(page)
    edit_url = page.url

    frame = expect_preview(page, TITLE)
    expect(frame.get_by_text("Tangerhütte").first).to_be_visible()

    footer = page.get_by_role("navigation", name="Aktionen (Fußzeile)")
    footer.get_by_role("button", name="Mehr Aktionen").click()
    footer.get_by_role("button", name="Zur Prüfung einreichen").click()
    expect(page.get_by_text("zur Moderation eingereicht")).to_be_visible()

    case = CasePage.objects.get(slug=SLUG)
    assert not case.live
    assert case.image is not None
    town = Town.objects.get(name="Tangerhütte")
    assert (town.state, town.population, town.ags) == ("ST", 10480, "15090535")
    assert town.size_class  # derived from the population, not typed

    log_in(page, live_server, "moderation")
    page.goto(edit_url)
    footer = page.get_by_role("navigation", name="Aktionen (Fußzeile)")
    footer.get_by_role("button", name="Mehr Aktionen").click()
    footer.get_by_role("button", name="Freigeben und veröffentlichen", exact=True).click()
    expect(page.get_by_text(TITLE).first).to_be_visible()

    assert list(CasePage.objects.get(slug=SLUG).funding_programmes.all()) == [programme]

    page.context.clear_cookies()
    page.goto(f"{live_server.url}{demo_site.library.url}{SLUG}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("main")).to_contain_text("Tangerhütte")
    expect(page.locator("main img").first).to_be_visible()
    page.goto(f"{live_server.url}/suche/?q=Mitfahrbänke")
    expect(page.get_by_role("link", name=TITLE, exact=True)).to_be_visible()


@pytest.mark.parametrize(
    ("model", "kind", "title", "slug"),
    [
        (
            KnowledgeIndexPage,
            "knowledge/guidepage",
            "Bürgerbusse gründen: Schritt für Schritt",
            "buergerbusse-gruenden-schritt-fuer-schritt",
        ),
        (
            EventIndexPage,
            "agenda/eventpage",
            "Web-Talk: Straßenfeste für Ortsteile",
            "web-talk-strassenfeste-fuer-ortsteile",
        ),
    ],
)
def test_guide_and_event_created_and_previewed(
    page, live_server, logins, failed_requests, model, kind, title, slug
):
    index = model.objects.get()
    log_in(page, live_server, "redaktion")
    page.goto(f"{live_server.url}/admin/pages/add/{kind}/{index.pk}/")
    type_title(page, title, slug)
    if kind == "agenda/eventpage":
        page.get_by_role("textbox", name="Beginn").fill("2027-03-04 18:00")
        page.get_by_role("textbox", name="Ende").fill("2027-03-04 19:30")
    # Clicking another field closes the date picker, which would cover the save button.
    page.get_by_role("textbox", name="Kurzfassung").click()
    expect(page.locator(".xdsoft_datetimepicker:visible")).to_have_count(0)
    page.get_by_role("textbox", name="Kurzfassung").fill("Was eine Kleinstadt dafür braucht.")
    save_draft(page)
    edit_url = page.url
    expect_preview(page, title)
    created = model.objects.get().get_children().get(slug=slug)
    assert created.live is False
    # The editorial team writes guides and events too; the moderation publishes them.
    footer = page.get_by_role("navigation", name="Aktionen (Fußzeile)")
    footer.get_by_role("button", name="Mehr Aktionen").click()
    footer.get_by_role("button", name="Zur Prüfung einreichen").click()
    expect(page.get_by_text("zur Moderation eingereicht")).to_be_visible()

    log_in(page, live_server, "moderation")
    page.goto(edit_url)
    footer = page.get_by_role("navigation", name="Aktionen (Fußzeile)")
    footer.get_by_role("button", name="Mehr Aktionen").click()
    footer.get_by_role("button", name="Freigeben und veröffentlichen", exact=True).click()
    expect(page.get_by_text(title).first).to_be_visible()
    assert Page.objects.get(pk=created.pk).live


def create_in_chooser(page, opener, tab, fields, submit):
    """Opens the chooser below a list of the case form and fills its creation tab
    (``fields``: form field name -> value; a select is chosen by its option's label)."""
    page.get_by_role("button", name=opener).click()
    modal = page.locator(".modal-dialog")
    modal.get_by_role("tab", name=tab).click()
    for name, value in fields.items():
        field = modal.locator(f"form[data-chooser-modal-creation-form] [name={name}]")
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    modal.get_by_role("button", name=submit).click()
    return modal


def test_editor_creates_themes_and_partners_inside_the_case_form(
    page, live_server, demo_site, logins, failed_requests, tmp_path
):
    case = demo_site.case("istag-muensterland-wohnungsbaugesellschaft")
    themes = Theme.objects.count()
    log_in(page, live_server, "redaktion")
    page.goto(f"{live_server.url}/admin/pages/{case.pk}/edit/")
    page.get_by_role("tab", name="Fakten").click()

    # "Klima-Schutz" is the existing "Klimaschutz & Energie" (one of its other names):
    # the chooser refuses a second theme and offers the existing one.
    modal = create_in_chooser(
        page,
        "Thema suchen oder neu anlegen",
        "Neues Thema anlegen",
        {"name": "Klima-Schutz"},
        "Thema anlegen",
    )
    expect(modal.get_by_text("Dieses Thema gibt es schon")).to_be_visible()
    modal.get_by_role("radio", name="Klimaschutz & Energie").check()
    page.screenshot(path=str(tmp_path / "near-duplicate.png"), full_page=False)
    modal.get_by_role("button", name="Thema anlegen").click()
    expect(modal).to_be_hidden()
    expect(page.get_by_role("checkbox", name="Klimaschutz & Energie")).to_be_checked()

    # A theme that is new indeed joins the list, ticked.
    create_in_chooser(
        page,
        "Thema suchen oder neu anlegen",
        "Neues Thema anlegen",
        {"name": "Ländlicher Tourismus"},
        "Thema anlegen",
    )
    expect(page.locator(".modal-dialog")).to_be_hidden()
    expect(page.get_by_role("checkbox", name="Ländlicher Tourismus")).to_be_checked()

    # A partner organisation, created the same way.
    create_in_chooser(
        page,
        "Organisation suchen oder neu anlegen",
        "Neue Organisation anlegen",
        {"name": "Mitfahrbank-Initiative Telgte", "kind": "Verein / Initiative"},
        "Organisation anlegen",
    )
    expect(page.locator(".modal-dialog")).to_be_hidden()
    partner = page.get_by_role("checkbox", name="Mitfahrbank-Initiative Telgte")
    expect(partner).to_be_checked()
    partner.scroll_into_view_if_needed()
    # For a person to look at: pytest's temporary directory of this test.
    page.screenshot(path=str(tmp_path / "case-form-created-in-place.png"))

    save_draft(page)
    draft = CasePage.objects.get(pk=case.pk).get_latest_revision_as_object()
    names = {theme.name for theme in draft.themes.all()}
    assert {"Klimaschutz & Energie", "Ländlicher Tourismus"} <= names
    assert "Mitfahrbank-Initiative Telgte" in {org.name for org in draft.partners.all()}
    assert Theme.objects.count() == themes + 1  # no "Klima-Schutz"
    assert Organisation.objects.get(name="Mitfahrbank-Initiative Telgte").kind == (
        "zivilgesellschaft"
    )
