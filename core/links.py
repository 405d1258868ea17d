"""Absolute addresses for the outside world (API, feeds, e-mails, calendars, sitemap): the
one helper every app uses, so a link in a mail, a feed and the API point at the same host.

Wagtail builds absolute page URLs from the ``Site`` record (``page.full_url``), whose
hostname is whatever the site setup stored (``localhost`` by default), not where the site is
actually served. A client that asked us at ``https://praxisatlas.example/`` must get links
there: a path is made absolute with the request's scheme and host (the host is already
checked against ``ALLOWED_HOSTS``, the scheme honours ``SECURE_PROXY_SSL_HEADER``); without
a request (e-mails sent by a command, the calendar feed written by a job) the configured
``WAGTAILADMIN_BASE_URL`` is the site's address. A page of another configured site keeps
that site's root URL.
"""

from django.conf import settings
from django.urls import reverse

from .sites import known_site


def absolute_url(path, request=None):
    """``path`` (or an address that is already absolute, returned as is) as an absolute
    address of this site."""
    if path.startswith(("http://", "https://")):
        return path
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def page_url(page, request=None):
    """The page's address as Wagtail's ``{% pageurl %}`` gives it (a path within the
    request's site, else with the other site's root URL), with the request's site as
    ``core.sites`` found it (no query); ``None`` if the page has no route."""
    site = known_site(request) if request is not None else None
    if site is None:
        # Not looked up for this request (views outside the page tree, such as the API):
        # Wagtail finds it, once per request.
        return page.get_url(request)
    return page.relative_url(site, request)


def absolute_page_url(page, request=None):
    """The page's public address, absolute; ``None`` if it has no route."""
    if request is None:
        return page.get_full_url()
    url = page_url(page, request)
    if url is None:
        return None
    return absolute_url(url, request)


def page_edit_url(page_id):
    """The page's editor in the Wagtail admin, for e-mails to the editors."""
    return absolute_url(reverse("wagtailadmin_pages:edit", args=[page_id]))
