"""The site's URLs plus the uploaded files. Tests run with DEBUG off and an in-memory file
storage, so nothing else serves /media/ (production: the web server or S3)."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import path

from cms.urls import handler500
from cms.urls import urlpatterns as site_urlpatterns


def serve_media(request, name):
    if not default_storage.exists(name):
        raise Http404(name)
    return FileResponse(default_storage.open(name))


urlpatterns = [path("media/<path:name>", serve_media), *site_urlpatterns]

__all__ = ["handler500", "urlpatterns"]
