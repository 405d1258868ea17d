"""A minimal Django application for ``make bench-compare`` only: one view that returns a
short text, no database, no middleware. It is the ceiling a Django page can reach with the
same gunicorn on the same machine; the cached case page is measured against it.

Served as ``gunicorn devtools.benchminimal:application``; never imported by the site.
"""

from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-minimal-view-only",  # noqa: S106 - serves one static text
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        USE_I18N=False,
    )

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def minimal(request):
    return HttpResponse("Praxisatlas", content_type="text/plain; charset=utf-8")


urlpatterns = [path("", minimal)]

application = get_wsgi_application()
