"""Finding 2: a partner account exported every contact with phone and e-mail, including
non-public persons of other partners. Partners now see, choose and export only contacts of
their own section's cases or created by them, and never a non-public person's phone or
e-mail; editors still see all."""

import pytest

from casestudies.models import CaseContact, CasePage, CaseSectionPage, Contact, Organisation
from editorial.demo import PARTNERS
from editorial.setup import partner_group_name
from tests.editorial_helpers import user_in

LIST = "/admin/snippets/casestudies/contact/"


@pytest.fixture
def contacts(demo_site):
    """A private person on partner B's case, and one on partner A's case."""
    organisation = Organisation.objects.first()
    own_section = CaseSectionPage.objects.get(slug=PARTNERS[0]["slug"])
    other_section = CaseSectionPage.objects.get(slug=PARTNERS[1]["slug"])
    own_case = CasePage.objects.child_of(own_section).first()
    other_case = CasePage.objects.child_of(other_section).first()
    own = Contact.objects.create(
        name="Anna Eigen",
        function="Quartier",
        organisation=organisation,
        phone="+49 251 111111",
        email="anna.eigen@example.org",
        is_public=False,
    )
    foreign = Contact.objects.create(
        name="Fritz Fremd",
        function="Bauamt",
        organisation=organisation,
        phone="+49 39 222222",
        email="fritz.fremd@example.org",
        is_public=False,
    )
    CaseContact.objects.create(page=own_case, contact=own)
    CaseContact.objects.create(page=other_case, contact=foreign)
    return own, foreign


@pytest.mark.django_db
def test_partner_sees_and_exports_only_own_contacts_without_private_details(client, contacts):
    own, foreign = contacts
    client.force_login(user_in(partner_group_name(PARTNERS[0]["name"])))
    listing = client.get(LIST).content.decode()
    assert own.name in listing
    assert foreign.name not in listing
    response = client.get(LIST, {"export": "csv"})
    assert response.status_code == 200
    export = b"".join(response.streaming_content).decode()
    assert own.name in export
    for secret in (foreign.name, foreign.phone, foreign.email, own.phone, own.email):
        assert secret not in export, secret
    chooser = client.get("/admin/snippets/choose/casestudies/contact/").content.decode()
    results = client.get(
        "/admin/snippets/choose/casestudies/contact/results/", {"q": "Fritz"}
    ).content.decode()
    assert foreign.name not in chooser and foreign.name not in results


@pytest.mark.django_db
def test_editors_still_see_every_contact(admin_client, contacts):
    own, foreign = contacts
    export = b"".join(admin_client.get(LIST, {"export": "csv"}).streaming_content).decode()
    assert foreign.name in export and foreign.phone in export and own.email in export


def _case_with_revisions_adding(contact):
    """Partner A's case, with a revision that adds ``contact`` (partner B's private person)."""
    case = CasePage.objects.child_of(CaseSectionPage.objects.get(slug=PARTNERS[0]["slug"])).first()
    case = case.specific
    before = case.save_revision()
    case.case_contacts.add(CaseContact(contact=contact))
    after = case.save_revision()
    return case, f"/admin/pages/{case.pk}/revisions/compare/{before.pk}...{after.pk}/"


@pytest.mark.django_db
def test_partner_revision_comparison_and_history_hide_contacts(client, contacts):
    _own, foreign = contacts
    case, compare = _case_with_revisions_adding(foreign)
    client.force_login(user_in(partner_group_name(PARTNERS[0]["name"])))
    # Reverting to the revision with the foreign contact is refused (Wagtail redirects a
    # PermissionDenied to the dashboard), to the one before it is allowed.
    before, after = compare.rstrip("/").rsplit("/", 1)[1].split("...")
    refused = client.get(f"/admin/pages/{case.pk}/revisions/{after}/revert/")
    assert refused.status_code in (302, 403)
    assert foreign.name not in refused.content.decode()
    assert client.get(f"/admin/pages/{case.pk}/revisions/{before}/revert/").status_code == 200
    for url in (compare, f"/admin/pages/{case.pk}/history/"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        for secret in (foreign.name, foreign.phone, foreign.email):
            assert secret not in page, (url, secret)


@pytest.mark.django_db
def test_editors_still_compare_revisions_with_contacts(admin_client, contacts):
    _own, foreign = contacts
    case, compare = _case_with_revisions_adding(foreign)
    response = admin_client.get(compare)
    assert response.status_code == 200
    assert foreign.name in response.content.decode()
    # The case page viewset changes nothing else: editing and the section's explorer.
    for url in (f"/admin/pages/{case.pk}/edit/", f"/admin/pages/{case.get_parent().pk}/"):
        assert admin_client.get(url).status_code == 200, url
