"""Editorial work: partner sections, the moderation workflow, Wagtail's revision features,
publishing needs the core facts, freshness reminders and the one-click status change."""

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Comment, Page

from casestudies.completeness import IncompleteCase, check_page
from casestudies.models import CasePage, CaseSectionPage
from devtools.fake import generate_records
from devtools.management.commands.load_search_corpus import CORPUS_SEED, CORPUS_SIZE
from editorial.checks import make_token
from editorial.demo import PARTNERS
from editorial.setup import EDITORS, MODERATORS, WORKFLOW_NAME, partner_group_name
from tests.editorial_helpers import case_form_data, user_in

CENTRAL = "istag-muensterland-wohnungsbaugesellschaft"


@pytest.fixture
def partner_case(demo_site):
    section = CaseSectionPage.objects.get(slug=PARTNERS[0]["slug"])
    return section, CasePage.objects.child_of(section).get()


@pytest.mark.django_db
def test_partner_cases_appear_like_any_other(client, partner_case):
    section, case = partner_case
    response = client.get(section.url)
    assert response.status_code == 200
    content = response.content.decode()
    assert case.title in content and "Netzwerk Wohnen Münsterland" in content
    assert case.url.startswith(section.url)
    assert "Netzwerk Wohnen Münsterland" in client.get(case.url).content.decode()
    listing = client.get("/faelle/", {"thema": "wohnen", "land": "NW"}).content.decode()
    assert case.title in listing
    assert case.title in client.get("/faelle/thema/wohnen/", {"land": "NW"}).content.decode()
    api = client.get("/api/v2/faelle/", {"slug": case.slug}).json()
    assert api["meta"]["total_count"] == 1
    assert client.get(f"/einbetten/fall/{case.slug}/karte/").status_code == 200
    oembed = client.get("/oembed/", {"url": f"http://testserver{case.url}"})
    assert oembed.status_code == 200 and oembed.json()["title"] == case.title
    feed = client.get("/feeds/faelle/rss/", {"q": "Ratsgremien"}).content.decode()
    assert case.slug in feed
    search = client.get("/api/search/", {"q": "Ratsgremien Servicegesellschaft"}).json()
    assert case.slug in [hit["slug"] for hit in search["results"]]


@pytest.mark.django_db
def test_setup_commands_are_idempotent(demo_site):
    call_command("setup_editorial", demo=True, verbosity=0)
    call_command(
        "add_partner", "Netzwerk Wohnen Münsterland", slug=PARTNERS[0]["slug"], verbosity=0
    )
    assert CaseSectionPage.objects.filter(slug=PARTNERS[0]["slug"]).count() == 1
    call_command("add_partner", "Regionalnetz Altmark", verbosity=0)
    section = CaseSectionPage.objects.get(slug="regionalnetz-altmark")
    assert section.get_parent().pk == demo_site.library.pk
    from django.contrib.auth.models import Group

    assert Group.objects.filter(name=partner_group_name("Regionalnetz Altmark")).exists()


@pytest.mark.django_db
def test_workflow_submit_approve_compare_schedule_lock_comment(client, demo_site):
    case = demo_site.case("koenigslutter-machbar")
    assert case.get_workflow().name == WORKFLOW_NAME
    editor, moderator = user_in(EDITORS), user_in(MODERATORS)

    # An editor cannot publish: "Veröffentlichen" falls back; submitting starts the workflow.
    client.force_login(editor)
    data = case_form_data(case, title="MachBar: neuer Titel", **{"action-submit": "1"})
    assert client.post(f"/admin/pages/{case.pk}/edit/", data).status_code == 302
    case = CasePage.objects.get(pk=case.pk)
    assert case.workflow_in_progress and case.title != "MachBar: neuer Titel"

    # A moderator approves: the revision goes live.
    client.force_login(moderator)
    task_state = case.current_workflow_task_state
    response = client.post(
        f"/admin/pages/workflow/action/{case.pk}/approve/{task_state.pk}/", {"comment": ""}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.title == "MachBar: neuer Titel" and not case.workflow_in_progress

    # Revision comparison shows a diff.
    revisions = list(case.revisions.order_by("-created_at", "-id")[:2])
    response = client.get(
        f"/admin/pages/{case.pk}/revisions/compare/{revisions[1].pk}...{revisions[0].pk}/"
    )
    assert response.status_code == 200
    assert "neuer Titel" in response.content.decode()

    # Locking stops another user.
    client.post(f"/admin/pages/{case.pk}/lock/")
    case.refresh_from_db()
    assert case.locked and case.locked_by == moderator
    client.force_login(editor)
    data = case_form_data(case, title="Trotz Sperre", **{"action-submit": "1"})
    client.post(f"/admin/pages/{case.pk}/edit/", data)
    case.refresh_from_db()
    assert case.get_latest_revision_as_object().title != "Trotz Sperre"
    case.locked = False
    case.save()

    # Comments.
    data = case_form_data(case)
    data.update(
        {
            "comments-TOTAL_FORMS": "1",
            "comments-INITIAL_FORMS": "0",
            "comments-MIN_NUM_FORMS": "0",
            "comments-MAX_NUM_FORMS": "1000",
            "comments-0-id": "",
            "comments-0-contentpath": "title",
            "comments-0-text": "Bitte den Titel kürzen.",
            "comments-0-position": "",
            "comments-0-resolved": "",
            "comments-0-replies-TOTAL_FORMS": "0",
            "comments-0-replies-INITIAL_FORMS": "0",
            "comments-0-replies-MIN_NUM_FORMS": "0",
            "comments-0-replies-MAX_NUM_FORMS": "1000",
        }
    )
    assert client.post(f"/admin/pages/{case.pk}/edit/", data).status_code == 302
    assert Comment.objects.filter(page=case, text="Bitte den Titel kürzen.").exists()


@pytest.mark.django_db
def test_scheduled_publishing(demo_site):
    case = demo_site.case("koenigslutter-machbar")
    draft = case.get_latest_revision_as_object()
    draft.title = "MachBar (geplant)"
    draft.go_live_at = timezone.now() + datetime.timedelta(hours=1)
    revision = draft.save_revision()
    revision.publish(user=user_in(MODERATORS))
    case.refresh_from_db()
    assert case.title != "MachBar (geplant)"
    revision.refresh_from_db()
    past = timezone.now() - datetime.timedelta(minutes=1)
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save()
    call_command("publish_scheduled", verbosity=0)
    case.refresh_from_db()
    assert case.title == "MachBar (geplant)"

    # An incomplete scheduled revision is not published: it is unscheduled (and logged), and
    # the command carries on.
    draft = CasePage.objects.get(pk=case.pk).get_latest_revision_as_object()
    draft.title, draft.period = "MachBar (unvollständig)", ""
    incomplete = draft.save_revision(clean=False)
    incomplete.approved_go_live_at = past
    incomplete.save()
    call_command("publish_scheduled", verbosity=0)
    incomplete.refresh_from_db()
    assert incomplete.approved_go_live_at is None
    assert CasePage.objects.get(pk=case.pk).title == "MachBar (geplant)"


@pytest.mark.django_db
def test_drafts_may_be_incomplete_publishing_needs_core_facts(client, demo_site):
    case = demo_site.case("koenigslutter-machbar")
    moderator = user_in(MODERATORS)
    client.force_login(moderator)
    data = case_form_data(case, summary="", period="", themes=[])
    for index in range(int(data["case_towns-TOTAL_FORMS"])):
        data[f"case_towns-{index}-DELETE"] = "1"
    # Saving a draft works (Wagtail's deferred validation) ...
    assert client.post(f"/admin/pages/{case.pk}/edit/", data).status_code == 302
    draft = CasePage.objects.get(pk=case.pk).get_latest_revision_as_object()
    assert [f for f, _label in check_page(draft).missing] == [
        "case_towns",
        "themes",
        "summary",
        "period",
    ]
    # ... publishing does not, and says what is missing.
    response = client.post(f"/admin/pages/{case.pk}/edit/", {**data, "action-publish": "1"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Zum Veröffentlichen fehlt" in content and "mindestens ein Ort" in content
    case.refresh_from_db()
    assert case.summary
    # Nor through the bulk action "Veröffentlichen" in the page listing ...
    response = client.post(f"/admin/bulk/wagtailcore/page/publish/?id={case.pk}", {})
    assert response.status_code in (302, 403)
    assert CasePage.objects.get(pk=case.pk).summary == case.summary
    # ... nor through any other publish call with a user (the workflow approval).
    with pytest.raises(IncompleteCase):
        CasePage.objects.get(pk=case.pk).get_latest_revision().publish(user=moderator)


@pytest.mark.django_db
def test_workflow_approval_of_an_incomplete_case_is_refused(client, demo_site):
    case = demo_site.case("koenigslutter-machbar")
    draft = case.get_latest_revision_as_object()
    draft.period = ""
    revision = draft.save_revision(clean=False)
    editor, moderator = user_in(EDITORS), user_in(MODERATORS)
    case.get_workflow().start(case, editor)
    client.force_login(moderator)
    task_state = case.current_workflow_task_state
    response = client.post(f"/admin/pages/workflow/action/{case.pk}/approve/{task_state.pk}/")
    # Wagtail's admin answers a PermissionDenied with a redirect and an error message.
    assert response.status_code in (302, 403)
    case = CasePage.objects.get(pk=case.pk)
    assert case.period and case.workflow_in_progress and case.live_revision != revision


@pytest.mark.django_db
def test_completeness_panel_in_the_editor(admin_client, demo_site):
    case = demo_site.case("koenigslutter-machbar")
    content = admin_client.get(f"/admin/pages/{case.pk}/edit/").content.decode()
    assert "data-completeness" in content
    assert "Anderen Städten hilft außerdem" in content or "alle Angaben vorhanden" in content
    quartier = demo_site.case("gemeinsam-fuer-das-quartier")
    content = admin_client.get(f"/admin/pages/{quartier.pk}/edit/").content.decode()
    assert 'data-field="case_towns"' in content
    report = admin_client.get("/admin/berichte/unvollstaendige-faelle/").content.decode()
    assert quartier.title in report


@pytest.mark.django_db
def test_every_live_demo_case_has_its_core_facts(demo_site):
    """The demo content keeps the publishing rule: each live case (the demo cases and the
    partners' cases, not the generated distractors of the search corpus) is complete."""
    generated = {record["slug"] for record in generate_records(CORPUS_SIZE, seed=CORPUS_SEED)}
    cases = (
        CasePage.objects.live()
        .exclude(slug__in=generated)
        .defer_streamfields()
        .prefetch_related("case_towns", "themes")
    )
    assert len(cases) >= 20
    incomplete = {
        case.slug: [str(label) for _field, label in check_page(case).missing]
        for case in cases
        if not check_page(case).is_complete
    }
    assert incomplete == {}
    # The nationwide initiative names no town in its sources: a draft for the editors.
    quartier = demo_site.case("gemeinsam-fuer-das-quartier")
    assert not quartier.live and not check_page(quartier).is_complete


@pytest.mark.django_db
def test_last_checked_is_shown_with_a_hint_when_old(client, demo_site):
    case = demo_site.case("koenigslutter-machbar")
    # Published as editorial.checks.mark_checked does (a direct save() of the live page
    # would not reach the page and fragment caches).
    case.last_checked = timezone.localdate() - datetime.timedelta(days=30)
    case.save_revision().publish()
    content = client.get(case.url).content.decode()
    assert "Zuletzt geprüft:" in content and "factbox__checked--due" not in content
    case.last_checked = datetime.date(2020, 1, 1)
    case.save_revision().publish()
    content = client.get(case.url).content.decode()
    assert "factbox__checked--due" in content and "mehr als 12 Monate" in content


@pytest.mark.django_db
def test_due_cases_reminders_and_the_confirmation_link(client, demo_site, partner_case):
    _section, case = partner_case  # has a contact with an email
    central = demo_site.case(CENTRAL)
    CasePage.objects.filter(pk=case.pk).update(last_checked=datetime.date(2020, 1, 1))
    CasePage.objects.exclude(pk=case.pk).update(last_checked=timezone.localdate())
    CasePage.objects.filter(pk=central.pk).update(last_checked=datetime.date(2019, 1, 1))
    from django.contrib.auth.models import Group

    Group.objects.get(name=EDITORS).user_set.add(user_in(MODERATORS, "red1"))
    call_command("cases_due_for_check", dry_run=True, send=True, verbosity=0)
    assert mail.outbox == []
    call_command("cases_due_for_check", send=True, months=12, verbosity=0)
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert len(mail.outbox) == 2
    contact_mail = by_recipient["wohnen-muensterland@example.org"]
    assert "Bitte prüfen" in contact_mail.subject
    link = re.search(r"http://testserver(/fall-pruefen/\S+/)", contact_mail.body).group(1)
    editor_mail = [m for m in mail.outbox if m is not contact_mail][0]
    assert f"/admin/pages/{central.pk}/edit/" in editor_mail.body
    # GET shows a button and changes nothing; POST confirms through a new revision.
    revisions = case.revisions.count()
    assert "Angaben sind aktuell" in client.get(link).content.decode()
    case.refresh_from_db()
    assert case.last_checked == datetime.date(2020, 1, 1)
    assert client.post(link).status_code == 200
    case.refresh_from_db()
    assert case.last_checked == timezone.localdate()
    assert case.revisions.count() == revisions + 1
    # Used once only, and forged links are refused.
    assert client.post(link).status_code == 404
    assert client.get("/fall-pruefen/unsinn/").status_code == 404
    assert make_token(case) not in link


@pytest.mark.django_db
def test_status_change_in_one_click(client, demo_site, partner_case):
    case = demo_site.case("koenigslutter-machbar")
    moderator = user_in(MODERATORS)
    client.force_login(moderator)
    # A pending draft is not published along with the status; it keeps its changes.
    draft = case.get_latest_revision_as_object()
    live_title = draft.title
    draft.title = "MachBar (Entwurf)"
    draft.save_revision()
    assert client.get(f"/admin/redaktion/status/{case.pk}/").status_code == 200
    response = client.post(f"/admin/redaktion/status/{case.pk}/", {"status": "beendet"})
    assert response.status_code == 302
    case = CasePage.objects.get(pk=case.pk)
    assert case.status == "beendet" and case.title == live_title
    latest = case.get_latest_revision_as_object()
    assert latest.title == "MachBar (Entwurf)" and latest.status == "beendet"
    from wagtail.models import PageLogEntry

    assert PageLogEntry.objects.filter(page=case, action="editorial.status").exists()
    # A partner's change of status goes to moderation instead.
    _section, own = partner_case
    partner = user_in(partner_group_name(PARTNERS[0]["name"]))
    client.force_login(partner)
    client.post(f"/admin/redaktion/status/{own.pk}/", {"status": "verstetigt"})
    own = CasePage.objects.get(pk=own.pk)
    assert own.status == "laufend" and own.workflow_in_progress
    assert own.get_latest_revision_as_object().status == "verstetigt"
    # ... and never on another partner's case.
    other = CasePage.objects.child_of(CaseSectionPage.objects.get(slug=PARTNERS[1]["slug"])).get()
    response = client.post(f"/admin/redaktion/status/{other.pk}/", {"status": "beendet"})
    assert response.status_code in (302, 403)  # the admin redirects on PermissionDenied
    assert Page.objects.get(pk=other.pk).specific.status == "laufend"
