"""Absolute addresses of pages for the outside world (API, sitemap).

Wagtail builds absolute page URLs from the ``Site`` record (``page.full_url``), whose
hostname is whatever the site setup stored (``localhost`` by default), not where the site is
actually served. A client that asked us at ``https://praxisatlas.example/`` must get links
there: a page of the request's site is made absolute with the request's scheme and host (the
host is already checked against ``ALLOWED_HOSTS``, the scheme honours
``SECURE_PROXY_SSL_HEADER``); a page of another configured site keeps that site's root URL.
"""

from django.conf import settings


def absolute_page_url(page, request=None):
    """The page's public address, absolute; ``None`` if it has no route."""
    if request is None:
        return page.get_full_url()
    url = page.get_url(request)
    if url is None:
        return None
    if url.startswith(("http://", "https://")):
        return url
    return request.build_absolute_uri(url)


def absolute_path(path, request=None):
    """An absolute address for a path of this site."""
    if request is None:
        return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path
    return request.build_absolute_uri(path)
