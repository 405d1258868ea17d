"""'Fall vorschlagen' in Chromium: a town fills in the form as a person would and the
suggestion lands as a draft case with a moderation task; no cookie on the way."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from playwright.sync_api import expect
from wagtail.models import WorkflowState

from suggestions.forms import MIN_SECONDS
from suggestions.models import CaseSuggestion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_in(page):
    page.get_by_label("Titel des Projekts").fill("Mitfahrbank im Ortskern")
    page.get_by_label("Ort", exact=True).fill("Osterburg (Altmark)")
    page.get_by_label("Kurzbeschreibung").fill(
        "Bänke mit Zielschildern an drei Haltepunkten.\n\nSeit 2023 rund 40 Fahrten im Monat."
    )
    page.get_by_label("Ihr Name").fill("Max Beispiel")
    page.get_by_label("Ihre E-Mail-Adresse").fill("max@example.org")
    page.get_by_label(re.compile("Ich bin damit einverstanden")).check()


def test_suggestion_form_lands_a_draft_with_a_task(
    page, live_server, browser_log, demo_site, django_user_model
):
    browser_log.allow_console_error(r"status of 404")  # the draft, asked for at the end
    editor = django_user_model.objects.create_user("redaktion1", "redaktion@example.org", "x")
    editor.groups.add(Group.objects.get(name="Redaktion"))

    page.goto(live_server.url + "/")
    page.get_by_role("contentinfo").get_by_role("link", name="Fall vorschlagen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fall vorschlagen")
    fill_in(page)
    page.wait_for_timeout(MIN_SECONDS * 1000 + 300)  # as long as a person at least needs
    page.get_by_role("button", name="Vorschlag senden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vielen Dank für Ihren Vorschlag")
    assert page.context.cookies() == []

    suggestion = CaseSuggestion.objects.get()
    draft = suggestion.page
    assert draft.title == "Mitfahrbank im Ortskern"
    assert not draft.live
    # The demo's Osterburg, whether its bracket is part of its name or a note.
    assert [link.town.name.split(" (")[0] for link in draft.case_towns.all()] == ["Osterburg"]
    state = WorkflowState.objects.get(object_id=str(draft.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.current_task_state.task.name == "Prüfung durch die Moderation"
    assert [message.to for message in mail.outbox if "Fallvorschlag" in message.subject] == [
        ["redaktion@example.org"]
    ]

    # The draft is nowhere public.
    response = page.goto(f"{live_server.url}{demo_site.library.url}{draft.slug}/")
    assert response.status == 404
