"""Finding 10: partner A read titles of partner B's pages (also unpublished ones and pending
drafts) through the page chooser, the bulk-delete confirmation and the page-types report,
and opened the search analytics. Now partners see their own area only; editors keep all."""

import json

import pytest

from casestudies.models import CasePage, CaseSectionPage
from editorial.demo import PARTNERS
from editorial.setup import partner_group_name
from tests.editorial_helpers import user_in

REPORTS = [
    "/admin/reports/site-history/",
    "/admin/reports/page-types-usage/",
    "/admin/suchanalyse/",
    "/admin/searchpicks/reports/search-terms/",
]


def _html(text):
    """The chooser answers JSON with the HTML inside (umlauts escaped), or an error page."""
    try:
        return json.loads(text).get("html", text)
    except ValueError:
        return text


@pytest.fixture
def sections(demo_site):
    own = CaseSectionPage.objects.get(slug=PARTNERS[0]["slug"])
    other = CaseSectionPage.objects.get(slug=PARTNERS[1]["slug"])
    hidden = other.add_child(
        instance=CasePage(title="Unveröffentlichter Geheimfall Zwergtaucher", live=False)
    )
    case = CasePage.objects.child_of(other).live().first()
    case.title = "Entwurfstitel Kormoranweg"
    case.save_revision()
    return own, other, hidden, case


@pytest.mark.django_db
def test_partner_page_chooser_shows_only_own_area(client, sections):
    own, other, hidden, case = sections
    client.force_login(user_in(partner_group_name(PARTNERS[0]["name"])))
    library_listing = client.get(f"/admin/choose-page/{own.get_parent().pk}/").json()["html"]
    assert own.title in library_listing
    assert other.title not in library_listing
    # Below another partner's section: nothing to list (or no access at all).
    other_listing = client.get(f"/admin/choose-page/{other.pk}/").content.decode()
    search = client.get("/admin/choose-page/search/", {"q": "Zwergtaucher"}).content.decode()
    other_listing, search = (_html(text) for text in (other_listing, search))
    for content in (other_listing, search):
        assert "Zwergtaucher" not in content
        assert "Kormoranweg" not in content


@pytest.mark.django_db
def test_partner_bulk_actions_and_reports_are_refused(client, sections):
    own, other, hidden, case = sections
    client.force_login(user_in(partner_group_name(PARTNERS[0]["name"])))
    response = client.get(
        "/admin/bulk/wagtailcore/page/delete/", {"id": [hidden.pk, case.pk], "next": "/admin/"}
    )
    assert response.status_code == 403
    assert "Zwergtaucher" not in response.content.decode()
    for url in REPORTS:
        response = client.get(url)
        assert response.status_code == 403, url
    menu = client.get("/admin/").content.decode()
    assert "Suchanalyse" not in menu


@pytest.mark.django_db
def test_editors_keep_chooser_bulk_actions_and_reports(admin_client, sections):
    own, other, hidden, case = sections
    listing = admin_client.get(f"/admin/choose-page/{other.pk}/")
    assert "Zwergtaucher" in listing.json()["html"]
    response = admin_client.get("/admin/bulk/wagtailcore/page/delete/", {"id": [hidden.pk]})
    assert response.status_code == 200
    for url in REPORTS:
        assert admin_client.get(url).status_code == 200, url
