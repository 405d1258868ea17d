"""'Fall vorschlagen': the public form lands a draft case with a moderation task and an e-mail
to the editors; no cookies, a rate limit, a trap field and a minimum time against spam."""

import time

import pytest
from django.contrib.auth.models import Group
from django.core import mail, signing
from wagtail.models import WorkflowState

from casestudies.models import CasePage, Town
from suggestions.forms import STARTED_SALT
from suggestions.models import CaseSuggestion

pytestmark = pytest.mark.django_db

URL = "/fall-vorschlagen/"


def started(seconds_ago=10):
    return signing.dumps(int(time.time()) - seconds_ago, salt=STARTED_SALT)


def form_data(**changes):
    data = {
        "title": "Dorfladen in Bürgerhand",
        "town": "Osterburg (Altmark)",
        "description": (
            "Der letzte Laden schloss 2019.\n\nDie Bürger gründeten eine Genossenschaft."
        ),
        "website": "https://dorfladen.example.org/",
        "contact_name": "Erika Muster",
        "contact_email": "erika@example.org",
        "consent": "on",
        "homepage": "",
        "started": started(),
    }
    data.update(changes)
    return data


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST the form and run what waits for the commit (the e-mail), as after a request."""

    def send(data, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, data, **headers)

    return send


@pytest.fixture
def editor(django_user_model, demo_site):
    user = django_user_model.objects.create_user("redakteurin", "redaktion@example.org", "x")
    user.groups.add(Group.objects.get(name="Redaktion"))
    return user


def test_form_sets_no_cookie_and_hides_the_trap(client, post, demo_site):
    response = client.get(URL)
    assert response.status_code == 200
    assert not response.cookies
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    text = response.content.decode()
    assert '<div class="suggest-form__trap" hidden>' in text
    assert 'name="started"' in text
    assert 'aria-describedby="id_title-help"' in text
    assert "csrfmiddlewaretoken" not in text


def test_suggestion_lands_as_draft_with_task_and_mail(client, post, demo_site, editor):
    cases_before = CasePage.objects.count()
    towns_before = Town.objects.count()
    response = post(form_data())
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "Vielen Dank für Ihren Vorschlag" in response.content.decode()
    assert not response.cookies

    suggestion = CaseSuggestion.objects.get()
    assert suggestion.contact_email == "erika@example.org"
    page = suggestion.page
    assert CasePage.objects.count() == cases_before + 1
    assert not page.live
    assert page.get_parent().specific == demo_site.library
    assert page.title == "Dorfladen in Bürgerhand"
    assert page.summary.startswith("Der letzte Laden schloss 2019.")
    assert page.project_website == "https://dorfladen.example.org/"
    assert page.body[0].value["kind"] == "starting_point"
    assert "Genossenschaft" in str(page.body[0].value["content"][0].value)
    # The contact is nowhere on the (future) page.
    assert "erika@example.org" not in str(page.body.raw_data) + page.summary
    assert [link.town.name for link in page.case_towns.all()] == ["Osterburg (Altmark)"]
    assert Town.objects.count() == towns_before

    state = WorkflowState.objects.get(base_content_type__model="page", object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "Redaktionelle Prüfung"
    assert state.current_task_state.task.name == "Prüfung durch die Moderation"

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["redaktion@example.org"]
    assert "Dorfladen in Bürgerhand" in message.subject
    assert "Erika Muster <erika@example.org>" in message.body
    assert f"/admin/pages/{page.pk}/edit/" in message.body

    # Not public: neither the page nor the search knows it.
    assert client.get(f"{demo_site.library.url}{page.slug}/").status_code == 404
    assert page.slug not in client.get("/api/search/", {"q": "Dorfladen"}).content.decode()


def test_unknown_town_is_not_created(client, post, demo_site, editor):
    towns_before = Town.objects.count()
    assert post(form_data(town="Kleinkleckersdorf")).status_code == 200
    page = CaseSuggestion.objects.get().page
    assert not page.case_towns.exists()
    assert Town.objects.count() == towns_before
    assert "Kleinkleckersdorf (noch nicht in den Stammdaten" in mail.outbox[0].body


def test_trap_field_looks_like_success_but_stores_nothing(client, post, demo_site, editor):
    response = post(form_data(homepage="http://spam.example"))
    assert response.status_code == 200
    assert "Vielen Dank" in response.content.decode()
    assert not CaseSuggestion.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("token", [0, 2 * 24 * 3600, "", "kaputt"])
def test_too_fast_or_without_start_keeps_the_input(client, post, demo_site, token):
    response = post(form_data(started=started(token) if isinstance(token, int) else token))
    assert response.status_code == 400
    text = response.content.decode()
    assert "noch einmal" in text
    assert 'value="Dorfladen in Bürgerhand"' in text
    assert not CaseSuggestion.objects.exists()


def test_missing_fields_and_consent_are_explained(client, post, demo_site):
    response = post(form_data(title="", contact_email="nein", consent=""))
    assert response.status_code == 400
    text = response.content.decode()
    assert "Bitte nennen Sie das Projekt." in text
    assert "keine gültige E-Mail-Adresse" in text
    assert "Bitte stimmen Sie der Verarbeitung" in text
    assert 'aria-invalid="true"' in text
    assert not CaseSuggestion.objects.exists()


def test_a_title_of_control_characters_only_is_missing(client, post, demo_site):
    # Control characters are dropped on save (core.text); the form says what is missing
    # instead of the save failing on an empty title.
    response = post(form_data(title="\x1b\x0b"))
    assert response.status_code == 400
    assert "Bitte nennen Sie das Projekt." in response.content.decode()
    assert not CaseSuggestion.objects.exists()


def test_line_breaks_cannot_reach_the_mail_subject(client, post, demo_site, editor):
    response = post(form_data(title="Dorfladen\r\nBcc: alle@example.org"))
    assert response.status_code == 200
    assert mail.outbox[0].subject.count("\n") == 0
    assert CaseSuggestion.objects.get().title == "Dorfladen Bcc: alle@example.org"


def test_cross_site_post_is_refused(client, post, demo_site):
    response = post(form_data(), HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    assert not CaseSuggestion.objects.exists()


def test_rate_limit_per_address(client, post, demo_site, settings):
    settings.SUGGESTIONS_RATE_PER_IP = "2/h"
    for number in range(2):
        assert post(form_data(title=f"Projekt {number}")).status_code == 200
    response = post(form_data(title="Projekt 3"))
    assert response.status_code == 429
    assert "Zu viele Vorschläge" in response.content.decode()
    assert CaseSuggestion.objects.count() == 2


def test_moderators_get_wagtails_task_notification(post, demo_site, editor, django_user_model):
    moderator = django_user_model.objects.create_user("mod", "moderation@example.org", "x")
    moderator.groups.add(Group.objects.get(name="Moderation"))
    assert post(form_data()).status_code == 200
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["moderation@example.org", "redaktion@example.org"]
    task_mail = next(m for m in mail.outbox if m.to == ["moderation@example.org"])
    assert "Dorfladen in Bürgerhand" in task_mail.subject + task_mail.body
    assert "None" not in task_mail.subject + task_mail.body


def test_editors_see_and_delete_suggestions_in_the_admin(client, post, demo_site, editor):
    assert post(form_data()).status_code == 200
    suggestion = CaseSuggestion.objects.get()
    client.force_login(editor)
    listing = client.get("/admin/snippets/suggestions/casesuggestion/")
    assert listing.status_code == 200
    assert "erika@example.org" in listing.content.decode()
    response = client.post(f"/admin/snippets/suggestions/casesuggestion/delete/{suggestion.pk}/")
    assert response.status_code == 302
    assert not CaseSuggestion.objects.exists()
    assert CasePage.objects.filter(pk=suggestion.page_id).exists()  # the draft stays
