"""robots.txt and sitemap.xml."""

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap

from core.links import absolute_url

# Crawlers may read every public page; search results, forms and the admin are no content
# of their own (and the forms answer POSTs that a crawler has no business sending).
DISALLOWED = [
    "/admin/",
    "/django-admin/",
    "/suche/",
    "/benachrichtigungen/",
    "/fall-pruefen/",
    "/fall-vorschlagen/",
]


@require_safe
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED)]
    lines += ["", f"Sitemap: {absolute_url(reverse('sitemap'), request)}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_safe
def sitemap(request):
    """Wagtail's sitemap: live pages of the request's site without view restrictions (its
    ``items()`` uses ``.live().public()``), at the request's host (``SitePage``)."""
    return wagtail_sitemap(request)
