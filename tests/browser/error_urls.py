"""The site's URLs plus two that fail on purpose, so that the browser sees the real error
pages: the 500 page (handler500) and the 503 page (the database is unreachable)."""

from django.db import OperationalError
from django.urls import path

from cms.urls import handler500
from cms.urls import urlpatterns as site_urlpatterns

SERVER_ERROR = "/test/serverfehler/"
DATABASE_DOWN = "/test/datenbank-weg/"


def server_error(request):
    raise RuntimeError("Absichtlicher Fehler (Test der Fehlerseite)")


def database_down(request):
    raise OperationalError('connection to server at "db" failed: Connection refused')


urlpatterns = [
    path(SERVER_ERROR.strip("/") + "/", server_error),
    path(DATABASE_DOWN.strip("/") + "/", database_down),
    *site_urlpatterns,
]

__all__ = ["handler500", "urlpatterns"]
