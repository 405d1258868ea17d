"""Reliability and security: production settings pass ``check --deploy``, admin login
throttling, rate limits on the alert form, upload limits, and what visitors get when the
database or the search server is unreachable."""

import io
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connections
from django.test import Client, override_settings
from PIL import Image
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from alerts.models import Subscription
from casestudies.models import CasePage

BASE_DIR = Path(__file__).resolve().parent.parent


def run_python(code, **env):
    """Run code in a fresh interpreter with the given environment (settings are read at
    start-up, so production settings need their own process)."""
    full_env = {
        **os.environ,
        "VAR_DIR": str(BASE_DIR / "var" / "test-security"),
        "PYTHONPATH": str(BASE_DIR),
        # Set by the browser tests for Playwright; check --deploy rightly refuses it.
        "DJANGO_ALLOW_ASYNC_UNSAFE": None,
        **env,
    }
    full_env = {name: value for name, value in full_env.items() if value is not None}
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "cms.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "praxisatlas.example",
    "DATABASE_URL": None,  # the embedded SQLite default
}


# ---------------------------------------------------------------------------------------------
# Production settings
# ---------------------------------------------------------------------------------------------


def test_check_deploy_is_clean_with_production_settings():
    result = run_python(
        "import django, sys\n"
        "from django.core.management import call_command\n"
        "django.setup()\n"
        "call_command('check', deploy=True, fail_level='WARNING')\n",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_production_settings_come_from_the_environment():
    code = (
        "import django, json\n"
        "django.setup()\n"
        "from django.conf import settings as s\n"
        "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.DEBUG,"
        " s.CONTENT_SECURITY_POLICY['DIRECTIVES'].get('upgrade-insecure-requests')]))\n"
    )
    result = run_python(code, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        '[31536000, true, true, ["HTTP_X_FORWARDED_PROTO", "https"], true, true, false, true]'
    )
    result = run_python(code, **PRODUCTION_ENV, SECURE_HSTS_SECONDS="600")
    assert result.stdout.strip().splitlines()[-1].startswith("[600, ")
    # Without SECRET_KEY production refuses to start.
    result = run_python(code, **{**PRODUCTION_ENV, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


@pytest.mark.django_db
def test_https_redirect_and_hsts_behind_a_proxy(client, demo_site):
    with override_settings(
        SECURE_SSL_REDIRECT=True,
        SECURE_HSTS_SECONDS=31_536_000,
        SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    ):
        response = client.get("/faelle/")
        assert response.status_code == 301
        assert response["Location"] == "https://testserver/faelle/"
        response = client.get("/faelle/", headers={"X-Forwarded-Proto": "https"})
        assert response.status_code == 200
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# ---------------------------------------------------------------------------------------------
# Admin login throttling (django-axes)
# ---------------------------------------------------------------------------------------------


def login(client, password, username="redaktion"):
    return client.post("/admin/login/", {"username": username, "password": password})


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser(
        "redaktion", "redaktion@example.org", "richtig-und-lang"
    )


@pytest.mark.django_db
def test_failed_admin_logins_lock_the_account_for_that_address(editor, settings):
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    for _attempt in range(limit - 1):
        response = login(client, "falsch")
        assert response.status_code == 200  # the login form again, with its error
    response = login(client, "falsch")
    assert response.status_code == 429
    content = response.content.decode()
    assert "Anmeldung vorübergehend gesperrt" in content
    assert "Nach 5 fehlgeschlagenen Anmeldeversuchen" in content
    assert "in 15 Minuten erneut" in content
    assert response["Retry-After"] == "900"
    # While locked, even the right password does not get in.
    response = login(client, "richtig-und-lang")
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302
    # Another address is not affected.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert login(other, "richtig-und-lang").status_code == 302


@pytest.mark.django_db
def test_a_successful_login_resets_the_count(editor, settings):
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "falsch")
    assert login(client, "richtig-und-lang").status_code == 302
    client.logout()
    # Four more failures are again below the limit.
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "falsch").status_code == 200
    assert login(client, "richtig-und-lang").status_code == 302


@pytest.mark.django_db
def test_lockout_limit_is_configurable(editor, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    assert login(client, "falsch").status_code == 200
    response = login(client, "falsch")
    assert response.status_code == 429
    assert "Nach 2 fehlgeschlagenen Anmeldeversuchen" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Rate limits of the alert form
# ---------------------------------------------------------------------------------------------


def subscribe(client, email):
    data = {"email": email, "consent": "on", "art": "faelle"}
    return client.post("/benachrichtigungen/", data)


@pytest.mark.django_db
def test_alert_form_is_rate_limited_per_address(demo_site, settings):
    settings.ALERTS_RATE_PER_EMAIL = "3/h"
    for number in range(3):
        client = Client(REMOTE_ADDR=f"192.0.2.{number + 1}")
        response = subscribe(client, "leserin@example.org")
        assert response.status_code == 200, response.content.decode()[:500]
    sent = len(mail.outbox)
    # Another address (IP) does not help: the e-mail address has had enough mail.
    response = subscribe(Client(REMOTE_ADDR="192.0.2.99"), "LESERIN@example.org ")
    assert response.status_code == 429
    assert "Zu viele Anmeldungen in kurzer Zeit" in response.content.decode()
    assert len(mail.outbox) == sent
    # Another e-mail address is fine.
    assert subscribe(Client(REMOTE_ADDR="192.0.2.99"), "leser@example.org").status_code == 200


@pytest.mark.django_db
def test_alert_form_is_rate_limited_per_ip(demo_site, settings):
    settings.ALERTS_RATE_PER_IP = "4/h"
    client = Client(REMOTE_ADDR="198.51.100.4")
    for number in range(4):
        assert subscribe(client, f"person{number}@example.org").status_code == 200
    response = subscribe(client, "person-neu@example.org")
    assert response.status_code == 429
    assert "Zu viele Anmeldungen in kurzer Zeit" in response.content.decode()
    assert not Subscription.objects.filter(email="person-neu@example.org").exists()
    # Other visitors can still subscribe.
    assert subscribe(Client(REMOTE_ADDR="198.51.100.5"), "x@example.org").status_code == 200


@pytest.mark.django_db
def test_rate_limit_counts_the_client_behind_the_proxy(demo_site, settings):
    settings.ALERTS_RATE_PER_IP = "1/h"
    settings.PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    first = {"HTTP_X_FORWARDED_FOR": "203.0.113.1"}
    second = {"HTTP_X_FORWARDED_FOR": "203.0.113.2"}
    data = {"consent": "on", "art": "faelle"}
    url = "/benachrichtigungen/"
    assert proxy.post(url, {**data, "email": "a@example.org"}, **first).status_code == 200
    assert proxy.post(url, {**data, "email": "b@example.org"}, **second).status_code == 200
    assert proxy.post(url, {**data, "email": "c@example.org"}, **first).status_code == 429


# ---------------------------------------------------------------------------------------------
# Uploads
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("werkzeug.exe", b"MZ\x90\x00" + b"\x00" * 200),
        ("seite.html", b"<html><script>alert(1)</script></html>"),
        ("bild.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ],
)
def test_documents_of_other_types_are_rejected(admin_client, name, content):
    documents = get_document_model().objects.count()
    response = admin_client.post(
        "/admin/documents/add/",
        {"title": "Anhang", "collection": "1", "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200  # the form again
    text = response.content.decode()
    extension = name.rsplit(".", 1)[1]
    assert f"Dateiendung „{extension}“ ist nicht erlaubt" in text
    assert get_document_model().objects.count() == documents


@pytest.mark.django_db
def test_allowed_documents_are_accepted(admin_client):
    documents = get_document_model().objects.count()
    response = admin_client.post(
        "/admin/documents/add/",
        {
            "title": "Bericht",
            "collection": "1",
            "file": SimpleUploadedFile("bericht.pdf", b"%PDF-1.4\n%%EOF\n"),
        },
    )
    assert response.status_code == 302
    assert get_document_model().objects.count() == documents + 1


def png_bytes(size):
    """A real PNG of about ``size`` bytes: random pixels do not compress."""
    side = int((size / 3) ** 0.5) + 1
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=0)
    return buffer.getvalue()


@pytest.mark.django_db
def test_oversized_images_are_rejected(admin_client, settings):
    images = get_image_model().objects.count()
    assert settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE == 10 * 1024 * 1024
    data = png_bytes(settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE + 200_000)
    assert len(data) > settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE
    response = admin_client.post(
        "/admin/images/add/",
        {"title": "Luftbild", "collection": "1", "file": SimpleUploadedFile("luftbild.png", data)},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Die Datei ist zu groß" in text
    assert "Maximale Dateigröße 10,0" in text
    assert get_image_model().objects.count() == images


@pytest.mark.django_db
def test_images_of_other_types_are_rejected(admin_client):
    images = get_image_model().objects.count()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
    response = admin_client.post(
        "/admin/images/add/",
        {"title": "Logo", "collection": "1", "file": SimpleUploadedFile("logo.svg", svg)},
    )
    assert response.status_code == 200
    assert "Nicht unterstütztes Bildformat" in response.content.decode()
    assert get_image_model().objects.count() == images


# ---------------------------------------------------------------------------------------------
# Faults: database and search server unreachable
# ---------------------------------------------------------------------------------------------


def unreachable(*args, **kwargs):
    raise OperationalError('connection to server at "db" failed: Connection refused')


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/faelle/", "/suche/?q=Leerstand", "/wissen/"])
def test_database_down_gives_a_friendly_503_page(path, demo_site, caplog):
    client = Client(raise_request_exception=False)
    with mock.patch.object(connections["default"], "cursor", unreachable):
        response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "120"
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "Der Praxisatlas ist gerade nicht erreichbar" in text
    assert '<html lang="de">' in text
    assert "Database unavailable" in caplog.text
    # Still with the security headers.
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/search/?q=Leerstand", "/api/v2/faelle/"])
def test_database_down_gives_json_503_on_the_api(path, demo_site):
    client = Client(raise_request_exception=False)
    with mock.patch.object(connections["default"], "cursor", unreachable):
        response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "120"
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "vorübergehend nicht erreichbar" in response.json()["detail"]


def test_database_at_a_closed_port_gives_503():
    """No mock: a PostgreSQL address where nothing listens, as after a database crash."""
    result = run_python(
        "import django\n"
        "django.setup()\n"
        "from django.test.utils import setup_test_environment\n"
        "setup_test_environment()\n"
        "from django.test import Client\n"
        "client = Client(raise_request_exception=False)\n"
        "for path in ('/', '/faelle/', '/api/search/?q=x'):\n"
        "    r = client.get(path)\n"
        "    print(path, r.status_code, r['Retry-After'], r['Content-Type'])\n",
        DJANGO_SETTINGS_MODULE="cms.settings.test",
        DATABASE_URL="postgres://praxis:praxis@127.0.0.1:9/praxisatlas?connect_timeout=3",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines == [
        "/ 503 120 text/html; charset=utf-8",
        "/faelle/ 503 120 text/html; charset=utf-8",
        "/api/search/?q=x 503 120 application/json; charset=utf-8",
    ], result.stdout + result.stderr


@pytest.mark.django_db
def test_unreachable_search_server_falls_back_on_the_page_and_the_api(settings, caplog):
    """search.engine falls back to the database (tests/search/test_engine.py); here the
    entry points visitors and partners use, with the server as the default backend."""
    from search.index_settings import search_server_backend

    backends = {
        "default": search_server_backend("http://127.0.0.1:9"),
        "database": {"BACKEND": "wagtail.search.backends.database"},
    }
    caplog.set_level(logging.WARNING)
    with override_settings(WAGTAILSEARCH_BACKENDS=backends):
        api = Client().get("/api/search/?q=Bürgerrat")
        page = Client().get("/suche/?q=Bürgerrat")
    assert api.status_code == 200
    assert api.json()["results"][0]["slug"] == "osterburg-buergerrat-klimaschutz"
    assert page.status_code == 200
    title = CasePage.objects.get(slug="osterburg-buergerrat-klimaschutz").title
    assert title in page.content.decode()
    assert caplog.text.count("falling back to the database") >= 2
