"""Finding 7: anonymous requests that ended in a 500 (numbers a database column cannot hold,
an unparseable IPv6 address) or a false 503 "database unavailable" (a search syntax error)
get a 400 or 404 now; a real outage is still a 503."""

import logging
from unittest import mock

import pytest
from django.db import OperationalError, connection

HUGE = "99999999999999999999"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/api/v2/pages/?offset={HUGE}", 400),
        (f"/api/v2/faelle/?offset={HUGE}", 400),
        (f"/api/v2/faelle/?limit={HUGE}", 400),
        ("/api/v2/faelle/?offset=-3", 400),
        (f"/kalender/veranstaltung-{HUGE}.ics", 404),
        (f"/suche/klick/{HUGE}/", 404),
        ("/oembed/?url=http://%5B::1/", 400),
        ("/oembed/?url=http://testserver:99999999/", 400),
        ("/api/v2/pages/?search=%22", 400),
        ("/api/v2/faelle/?search=%22", 400),
        ("/api/v2/faelle/?search=%22a%22%20%22", 400),
    ],
)
def test_bad_parameters_are_client_errors(client, demo_site, path, status, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.get(path)
    if "search=" in path and connection.vendor != "sqlite":
        # Only SQLite's FTS5 rejects an unmatched quote; PostgreSQL's parser reads it as text.
        status = 200
    assert response.status_code == status, path
    assert "Retry-After" not in response
    assert not [r for r in caplog.records if "Database unavailable" in r.getMessage()]


@pytest.mark.django_db
def test_a_real_outage_is_still_503(client, demo_site):
    from partners.api import CasesEndpoint

    with mock.patch.object(
        CasesEndpoint, "get_queryset", side_effect=OperationalError("unable to open database")
    ):
        response = client.get("/api/v2/faelle/")
    assert response.status_code == 503
    assert response["Retry-After"]
