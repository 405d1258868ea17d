"""The permission matrix: for every role and page, whether the role can see the page in the
admin explorer, edit, publish and delete it. Asserted twice: through Wagtail's permission
API and through real admin requests. A partner never touches another partner's case, not
through the admin and not through the public API."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from wagtail.permission_policies.pages import PagePermissionPolicy

from agenda.models import EventPage
from casestudies.importer import CaseImporter, ImportFailed, export_record
from casestudies.models import CasePage, CaseSectionPage
from editorial.demo import PARTNERS
from editorial.setup import ADMINISTRATORS, EDITORS, MODERATORS, partner_group_name
from knowledge.models import GuidePage
from tests.editorial_helpers import case_form_data

PARTNER_A = PARTNERS[0]
PARTNER_B = PARTNERS[1]

ROLES = {
    "anonymous": None,
    "editor": EDITORS,
    "moderator": MODERATORS,
    "administrator": ADMINISTRATORS,
    "partner_a": partner_group_name(PARTNER_A["name"]),
    "partner_b": partner_group_name(PARTNER_B["name"]),
}

PAGES = ["library", "central_case", "section_a", "case_a", "section_b", "case_b", "guide", "event"]

# Guides and events: written by the editorial team and published by the moderation, like
# cases; partners write only in their own section.
# x = sees it in the admin explorer (a partner's explorer starts at its section),
# e = edits, p = publishes, d = deletes; "-" = may not.
# Deleting a live page needs publish rights; deleting a page with children needs
# "bulk delete" (administrators only).
MATRIX = """
                library  central_case  section_a  case_a  section_b  case_b  guide  event
anonymous       ----     ----          ----       ----    ----       ----    ----   ----
editor          xe--     xe--          xe--       xe--    xe--       xe--    xe--   xe--
moderator       xep-     xepd          xep-       xepd    xep-       xepd    xepd   xepd
administrator   xepd     xepd          xepd       xepd    xepd       xepd    xepd   xepd
partner_a       ----     ----          xe--       xe--    ----       ----    ----   ----
partner_b       ----     ----          ----       ----    xe--       xe--    ----   ----
"""


def expected():
    lines = [line.split() for line in MATRIX.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    table = {}
    for role, *cells in rows:
        for page, cell in zip(header, cells, strict=True):
            table[role, page] = dict(zip("xepd", (c != "-" for c in cell), strict=True))
    return table


EXPECTED = expected()


@pytest.fixture
def pages(demo_site):
    section_a = CaseSectionPage.objects.get(slug=PARTNER_A["slug"])
    section_b = CaseSectionPage.objects.get(slug=PARTNER_B["slug"])
    return {
        "library": demo_site.library,
        "central_case": demo_site.case("istag-muensterland-wohnungsbaugesellschaft"),
        "section_a": section_a,
        "case_a": CasePage.objects.child_of(section_a).get(),
        "section_b": section_b,
        "case_b": CasePage.objects.child_of(section_b).get(),
        # Guides and events are written by the editorial team too, through the same
        # moderation (editorial.setup.editorial_sections).
        "guide": GuidePage.objects.live().first(),
        "event": EventPage.objects.live().first(),
    }


def make_user(role):
    group = ROLES[role]
    if group is None:
        return None
    user = get_user_model().objects.create_user(f"test-{role}", f"{role}@example.org", "pw")
    user.groups.add(Group.objects.get(name=group))
    return user


def test_the_matrix_covers_every_role_and_page():
    assert {role for role, _page in EXPECTED} == set(ROLES)
    assert {page for _role, page in EXPECTED} == set(PAGES)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_permission_api_matches_the_matrix(role, pages):
    user = make_user(role)
    policy = PagePermissionPolicy()
    root = policy.explorable_root_instance(user)
    explorable = set(
        policy.explorable_instances(user).filter(depth__gte=root.depth).values_list("pk", flat=True)
    )
    actual = {}
    for name, page in pages.items():
        perms = page.permissions_for_user(user)
        actual[name] = {
            "x": page.pk in explorable,
            "e": perms.can_edit(),
            "p": perms.can_publish(),
            "d": perms.can_delete(),
        }
    assert actual == {name: EXPECTED[role, name] for name in pages}


def _explore_ok(client, page):
    response = client.get(f"/admin/pages/{page.pk}/")
    return response.status_code == 200


def _edit_ok(client, page):
    response = client.get(f"/admin/pages/{page.pk}/edit/")
    return response.status_code == 200


def _delete_ok(client, page):
    response = client.get(f"/admin/pages/{page.pk}/delete/")
    return response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLES))
def test_admin_requests_match_the_matrix(role, pages, client):
    user = make_user(role)
    if user is not None:
        client.force_login(user)
    actual = {}
    for name, page in pages.items():
        actual[name] = {
            "x": _explore_ok(client, page),
            "e": _edit_ok(client, page),
            "d": _delete_ok(client, page),
        }
    assert actual == {name: {k: EXPECTED[role, name][k] for k in "xed"} for name in pages}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLES))
def test_publishing_through_the_edit_form_matches_the_matrix(role, pages, client):
    """POST the edit form with "Veröffentlichen" on each case: the live title changes only
    for roles that may publish; others get a draft at most (or nothing at all)."""
    user = make_user(role)
    if user is not None:
        client.force_login(user)
    for name in ("central_case", "case_a", "case_b"):
        page = pages[name]
        before = page.get_latest_revision()
        data = case_form_data(page, title=f"{page.title} ({role})", **{"action-publish": "1"})
        response = client.post(f"/admin/pages/{page.pk}/edit/", data)
        assert response.status_code in (200, 302, 403), (role, name)
        page.refresh_from_db()
        published = page.title.endswith(f"({role})")
        drafted = page.get_latest_revision() != before
        assert published == EXPECTED[role, name]["p"], (role, name)
        assert (published or drafted) == EXPECTED[role, name]["e"], (role, name)


@pytest.mark.django_db
def test_a_partner_cannot_touch_another_partners_case(pages, client):
    user = make_user("partner_a")
    client.force_login(user)
    case_b = pages["case_b"]
    revisions = case_b.revisions.count()
    response = client.post(
        f"/admin/pages/{case_b.pk}/edit/",
        case_form_data(case_b, title="Übernommen", **{"action-submit": "1"}),
    )
    assert response.status_code in (302, 403)
    assert client.post(f"/admin/pages/{case_b.pk}/delete/").status_code in (302, 403)
    assert client.post(f"/admin/pages/{case_b.pk}/unpublish/").status_code in (302, 403)
    assert client.post(f"/admin/pages/{case_b.pk}/lock/").status_code in (302, 403)
    add_url = f"/admin/pages/add/casestudies/casepage/{pages['section_b'].pk}/"
    assert client.get(add_url).status_code in (302, 403)
    case_b.refresh_from_db()
    assert case_b.live and not case_b.locked
    assert case_b.title != "Übernommen"
    assert case_b.revisions.count() == revisions
    # The partner's own section is open to it.
    assert (
        client.get(f"/admin/pages/add/casestudies/casepage/{pages['section_a'].pk}/").status_code
        == 200
    )


@pytest.mark.django_db
def test_the_public_api_is_read_only_and_shows_no_drafts(pages, client):
    user = make_user("partner_a")
    client.force_login(user)  # a logged-in partner gets no more than anyone else
    case_b = pages["case_b"]
    draft = case_b.get_latest_revision_as_object()
    draft.title = "Entwurfstitel, nicht veröffentlicht"
    draft.save_revision()
    live_title = CasePage.objects.get(pk=case_b.pk).title
    assert live_title != draft.title
    url = f"/api/v2/faelle/{case_b.pk}/"
    assert client.get(url).json()["title"] == live_title
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(
            url, data={"title": "x"}, content_type="application/json"
        )
        assert response.status_code == 405, method
    assert client.post("/api/v2/faelle/", {"title": "x"}).status_code == 405
    listing = client.get("/api/v2/faelle/", {"limit": 50, "fields": "_,title"}).json()
    assert "Entwurfstitel" not in str(listing)
    assert CasePage.objects.get(pk=case_b.pk).title == live_title
    # A never-published case is not in the API at all.
    never = CasePage(title="Nur Entwurf", slug="nur-entwurf-api", summary="x", live=False)
    pages["section_a"].add_child(instance=never)
    assert client.get(f"/api/v2/faelle/{never.pk}/").status_code == 404


def _import_outcome(user, record):
    """'ok' if the importer writes the record for this user, 'refused' if it reports a
    permission error (and writes nothing)."""
    try:
        CaseImporter(user=user, source="matrix.json").run([record])
    except ImportFailed as failure:
        assert all("keine Berechtigung" in error for error in failure.errors), failure.errors
        return "refused"
    return "ok"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_the_importer_matches_the_matrix(role, pages):
    """The importer path (admin upload and ``import_cases --user``) checks the same page
    permissions: a new case in section A needs the right to add there, an update of
    partner B's case the right to edit it."""
    user = make_user(role)
    section_a, case_b = pages["section_a"], pages["case_b"]
    new_case = {
        "title": f"Neuer Fall von {role}",
        "summary": "Kurzfassung.",
        "town": "Telgte",
        "state": "NW",
        "themes": ["Wohnen"],
        "period": "2024-2026",
        "status": "laufend",
        "section": section_a.slug,
    }
    outcome = _import_outcome(user, new_case)
    assert outcome == ("ok" if EXPECTED[role, "section_a"]["e"] else "refused"), role
    assert CasePage.objects.filter(title=new_case["title"]).exists() == (outcome == "ok")

    update = export_record(case_b)
    update["summary"] = f"Von {role} geändert."
    revisions = case_b.revisions.count()
    outcome = _import_outcome(user, update)
    assert outcome == ("ok" if EXPECTED[role, "case_b"]["e"] else "refused"), role
    case_b.refresh_from_db()
    # Nothing of another partner's case changes; an update is a new revision, published only
    # for those who may publish.
    assert case_b.revisions.count() == revisions + (outcome == "ok")
    published = CasePage.objects.get(pk=case_b.pk).summary == update["summary"]
    assert published == (outcome == "ok" and EXPECTED[role, "case_b"]["p"]), role


@pytest.mark.django_db
@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_only_the_central_team_reaches_the_admin_upload(role, pages, client):
    client.force_login(make_user(role))
    response = client.get("/admin/import-export/")
    allowed = role in ("editor", "moderator", "administrator")
    assert (response.status_code == 200) == allowed, (role, response.status_code)
