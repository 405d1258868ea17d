"""Email alerts end to end: subscribe, confirm (double opt-in), digest, one-click unsubscribe."""

import datetime as dt
import logging
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from alerts.models import Subscription
from casestudies.importer import CaseImporter

from .helpers import make_event

pytestmark = pytest.mark.django_db

ADDRESS = "leserin@example.org"


def link(message, path):
    match = re.search(rf"https?://\S+{path}\S+/", message.body)
    assert match, message.body
    return match.group(0).replace("http://testserver", "")


def subscribe(client, **data):
    payload = {"email": ADDRESS, "consent": "on", **data}
    return client.post("/benachrichtigungen/", payload)


def test_case_alert_end_to_end(client, demo_site, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.INFO)
    form = client.get("/benachrichtigungen/?thema=wohnen&land=NI")
    assert form.status_code == 200
    assert re.search(r'value="wohnen" id="\w+" checked', form.content.decode())

    response = subscribe(client, art="faelle", thema="wohnen", land="NI")
    assert response.status_code == 200
    assert "Bitte bestätigen" in response.content.decode()
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.filters) == (
        ADDRESS,
        {"land": ["NI"], "thema": ["wohnen"]},
    )
    assert subscription.confirmed_at is None
    (confirmation,) = mail.outbox
    assert confirmation.to == [ADDRESS]
    assert "List-Unsubscribe" in confirmation.extra_headers

    # Nothing is sent before the confirmation.
    call_command("send_alerts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1

    # Following the link (as a mail scanner would) does not confirm; the button does.
    opened = client.get(link(confirmation, "/bestaetigen/"))
    assert opened.status_code == 200
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None
    confirmed = client.post(link(confirmation, "/bestaetigen/"))
    assert confirmed.status_code == 200
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None

    # A new case on Wohnen in Lower Saxony, and one elsewhere that must not be reported.
    # The digest reads the search entries, written after the import's commit.
    with django_capture_on_commit_callbacks(execute=True):
        CaseImporter().run(
            [
                {
                    "title": "Wohnprojekt Alte Molkerei",
                    "slug": "alerts-wohnen-ni",
                    "summary": "Genossenschaftliches Wohnen in einer alten Molkerei.",
                    "town": "Bad Bevensen",
                    "state": "NI",
                    "population": 8900,
                    "themes": ["Wohnen"],
                },
                {
                    "title": "Wohnprojekt in Bayern",
                    "slug": "alerts-wohnen-by",
                    "summary": "Wohnen in Bayern.",
                    "town": "Dinkelsbühl",
                    "state": "BY",
                    "themes": ["Wohnen"],
                },
            ]
        )
    call_command("send_alerts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 2
    digest = mail.outbox[1]
    assert "Wohnprojekt Alte Molkerei" in digest.body
    assert "Wohnprojekt in Bayern" not in digest.body
    unsubscribe_url = link(digest, "/abmelden/")
    assert digest.extra_headers["List-Unsubscribe"] == f"<http://testserver{unsubscribe_url}>"
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Only what is new since the last digest.
    call_command("send_alerts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 2

    # One-click unsubscribe as a mail client does it: a POST without CSRF token.
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(unsubscribe_url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not Subscription.objects.filter(email__iexact=ADDRESS).exists()
    assert ADDRESS not in caplog.text


def test_event_alert_and_unsubscribe_page(client, demo_site):
    subscribe(client, art="veranstaltungen", format="web-talk")
    client.get(link(mail.outbox[0], "/bestaetigen/"))
    subscription = Subscription.objects.get()
    subscription.confirmed_at = timezone.now() - dt.timedelta(minutes=5)
    subscription.save()
    make_event("alert-web-talk", start=timezone.now() + dt.timedelta(days=30), title="Neuer Talk")
    make_event(
        "alert-werkstatt",
        start=timezone.now() + dt.timedelta(days=30),
        title="Neue Werkstatt",
        event_format="werkstatt",
    )
    call_command("send_alerts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    digest = mail.outbox[-1]
    assert "Neuer Talk" in digest.body and "Neue Werkstatt" not in digest.body

    url = link(digest, "/abmelden/")
    page = client.get(url)
    assert "Abmelden und Adresse löschen" in page.content.decode()
    assert Subscription.objects.exists()  # a GET (link preview, scanner) deletes nothing
    client.post(url)
    assert not Subscription.objects.exists()
    assert "abgemeldet" in client.post(url).content.decode()  # twice is fine


def test_bad_input_gets_clear_errors(client, demo_site):
    response = client.post("/benachrichtigungen/", {"email": "kein-at", "art": "faelle"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Das ist keine gültige E-Mail-Adresse" in content
    assert "Bitte bestätigen Sie, dass Sie die E-Mails möchten." in content
    response = subscribe(client, art="faelle", land="XX")
    assert response.status_code == 400
    assert "Unbekannter Wert" in response.content.decode()
    assert not Subscription.objects.exists()
    assert mail.outbox == []


def test_bad_or_expired_confirmation_links(client, demo_site, settings):
    assert client.get("/benachrichtigungen/bestaetigen/falsch/").status_code == 404
    subscribe(client, art="faelle")
    url = link(mail.outbox[0], "/bestaetigen/")
    settings.ALERTS_CONFIRM_DAYS = 0
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Subscription.objects.get().confirmed_at is None


def test_subscribing_twice_keeps_one_subscription(client, demo_site):
    subscribe(client, art="faelle", thema="wohnen")
    subscribe(client, art="faelle", thema="wohnen")
    assert Subscription.objects.count() == 1


def test_unconfirmed_subscriptions_are_purged(demo_site):
    old = Subscription.objects.create(email=ADDRESS, kind="faelle", filters={})
    Subscription.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    call_command("send_alerts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not Subscription.objects.exists()


def test_forms_set_no_cookie_and_refuse_posts_from_other_sites(client, demo_site):
    """The form and the confirmation page set no CSRF cookie (no cookies for visitors); a POST
    that a browser sends from another site is refused by its Sec-Fetch-Site/Origin headers."""
    from django.test import Client

    for path in ("/benachrichtigungen/?thema=wohnen", "/benachrichtigungen/"):
        response = client.get(path)
        assert response.status_code == 200
        assert not response.cookies
        assert "csrfmiddlewaretoken" not in response.content.decode()

    strict = Client(enforce_csrf_checks=True)
    payload = {"email": ADDRESS, "consent": "on", "art": "faelle"}
    refused = [
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://angreifer.example"},
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "http://sub.testserver"},
        {"HTTP_ORIGIN": "https://angreifer.example"},
    ]
    for headers in refused:
        response = strict.post("/benachrichtigungen/", payload, **headers)
        assert response.status_code == 403, headers
    assert not Subscription.objects.exists()
    assert not mail.outbox

    response = strict.post(
        "/benachrichtigungen/",
        payload,
        HTTP_SEC_FETCH_SITE="same-origin",
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 200
    assert not response.cookies
    confirm_path = link(mail.outbox[0], "/bestaetigen/")
    page = strict.get(confirm_path)
    assert not page.cookies
    response = strict.post(confirm_path, HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    assert Subscription.objects.get().confirmed_at is None
    response = strict.post(confirm_path, HTTP_ORIGIN="http://testserver")
    assert response.status_code == 200
    assert Subscription.objects.get().confirmed_at is not None


def test_an_alert_asked_for_on_a_library_page_covers_only_that_library(
    client, demo_site, django_capture_on_commit_callbacks
):
    from html import unescape

    from casestudies.models import CaseLibraryPage
    from tests.library_helpers import add_second_library, publish

    south = add_second_library(demo_site, django_capture_on_commit_callbacks)
    main = CaseLibraryPage.objects.exclude(pk=south.pk).get()
    listing = client.get("/sued/?thema=wohnen").content.decode()
    href = unescape(re.search(r'<p class="alert-link">\s*<a href="([^"]+)"', listing).group(1))
    assert f"bibliothek={south.pk}" in href and "thema=wohnen" in href
    form = client.get(href).content.decode()
    assert "Nur Fälle aus der Fallbibliothek „Fallbibliothek Süd“." in form
    # The search page's link is for the whole site.
    found = client.get("/suche/?q=Wohnen").content.decode()
    assert "bibliothek=" not in re.search(r'<p class="alert-link">.*?</p>', found, re.S).group(0)

    response = subscribe(client, art="faelle", bibliothek=str(south.pk))
    assert "aus der Fallbibliothek „Fallbibliothek Süd“" in response.content.decode()
    subscription = Subscription.objects.get()
    assert subscription.filters == {"bibliothek": south.pk}
    subscription.confirmed_at = timezone.now() - dt.timedelta(minutes=1)
    subscription.save()

    record = {"summary": "Ein neuer Fall.", "town": "Bad Bevensen", "state": "NI"}
    with django_capture_on_commit_callbacks(execute=True):
        CaseImporter(library=south).run([{**record, "title": "Neu im Süden", "slug": "neu-sued"}])
        CaseImporter(library=main).run([{**record, "title": "Neu im Norden", "slug": "neu-nord"}])
    call_command("send_alerts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    digest = mail.outbox[-1]
    assert "Neu im Süden" in digest.body
    assert "Neu im Norden" not in digest.body

    # A library that is no longer public sends nothing (its cases are not public either).
    south.unpublish()
    sent_before = len(mail.outbox)
    subscription.refresh_from_db()
    subscription.last_sent_at = None
    subscription.save()
    call_command("send_alerts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == sent_before
    publish(south)


@pytest.mark.parametrize("library", ["999999", "9" * 40, "0", "-3", "drei"])
def test_an_unknown_library_in_the_link_leaves_the_alert_for_every_case(client, demo_site, library):
    form = client.get("/benachrichtigungen/", {"art": "faelle", "bibliothek": library})
    assert form.status_code == 200
    assert "Nur Fälle aus der Fallbibliothek" not in form.content.decode()
    response = subscribe(client, art="faelle", bibliothek=library)
    assert response.status_code == 200
    assert Subscription.objects.get().filters == {}
