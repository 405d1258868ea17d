"""A NUL (or another control character) pasted into a field of an admin form: PostgreSQL
cannot store NUL in text or JSON, and the revision was written before the model's save-time
cleaning ran, so the edit form answered 500. The admin's page, snippet and chooser forms
strip control characters from what was sent before they validate it (core.forms); the text
is saved without them. Run on PostgreSQL too: ``scripts/with-postgres .venv/bin/python -m
pytest tests/security -q -k nul``."""

import pytest
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from casestudies.models import CasePage, Theme, Town
from knowledge.models import GuidePage, KnowledgeIndexPage
from tests.editorial_helpers import case_form_data

pytestmark = pytest.mark.django_db


def test_nul_in_the_case_form_is_stripped_before_the_draft_is_saved(admin_client, demo_site):
    case = CasePage.objects.live().first()
    data = case_form_data(
        case,
        title="Mitfahr\x00bänke im\x0b Ortsteil",
        summary="Kurz\x00fassung\nmit Zeile",
        period_note="seit\x00 2019",
        lessons=rich_text("<p>Lern\x00punkt</p>"),
        transfer_staff="Eine\x00 Stelle",
    )
    response = admin_client.post(f"/admin/pages/{case.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = CasePage.objects.get(pk=case.pk).get_latest_revision_as_object()
    assert draft.title == "Mitfahrbänke im Ortsteil"
    assert draft.summary == "Kurzfassung\nmit Zeile"
    assert draft.period_note == "seit 2019"
    assert draft.transfer_staff == "Eine Stelle"
    assert "Lernpunkt" in draft.lessons
    assert "\x00" not in draft.lessons


def test_a_title_of_control_characters_only_is_empty(admin_client, demo_site):
    case = CasePage.objects.live().first()
    revisions = case.revisions.count()
    response = admin_client.post(
        f"/admin/pages/{case.pk}/edit/", case_form_data(case, title="\x00\x00")
    )
    assert response.status_code == 200
    assert "title" in response.context["form"].errors
    assert case.revisions.count() == revisions


def test_nul_in_a_new_guide_with_a_story_is_stripped(admin_client, demo_site):
    index = KnowledgeIndexPage.objects.get()
    data = nested_form_data(
        {
            "title": "Bürger\x00busse gründen",
            "slug": "buergerbusse-gruenden",
            "kind": "leitfaden",
            "summary": "Schritt\x00 für Schritt",
            "intro": rich_text("<p>Ab\x00satz</p>"),
            "prerequisites": rich_text(""),
            "pitfalls": rich_text(""),
            "steps": streamfield([]),
            "downloads": streamfield([]),
            "guide_cases": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0},
            "comments": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0},
        }
    )
    response = admin_client.post(f"/admin/pages/add/knowledge/guidepage/{index.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    guide = GuidePage.objects.get(slug="buergerbusse-gruenden").get_latest_revision_as_object()
    assert guide.title == "Bürgerbusse gründen"
    assert guide.summary == "Schritt für Schritt"
    assert "Absatz" in guide.intro


def test_nul_in_snippet_and_chooser_forms_is_stripped(admin_client, demo_site):
    response = admin_client.post(
        "/admin/snippets/casestudies/theme/add/",
        {
            "name": "Stadt\x00grün",
            "slug": "stadtgruen",
            "summary": "Bäume\x00",
            "sort_order": "100",
        },
    )
    assert response.status_code == 302
    theme = Theme.objects.get(name="Stadtgrün")
    assert theme.summary == "Bäume"

    response = admin_client.post(
        "/admin/town_chooser/create/", {"name": "Nul\x00dorf", "state": "ST"}
    )
    assert response.json()["step"] == "chosen"
    assert Town.objects.filter(name="Nuldorf", state="ST").exists()
