"""The Wagtail site a request is for, without a query per request.

Wagtail's ``Site.find_for_request`` ranks the sites in an ORM query (``Case``/``When``) on
every request; translating that query into SQL costs more than running it, and it was the
largest single cost of a case page's first view after rendering. Sites change rarely, and
saving a site (hostname, port, root page, default) starts a new content generation
(``core.cache``, ``PAGE_CACHE_INVALIDATED_BY``), so the sites are kept per content
generation (``core.memo``) and matched here in Python with Wagtail's rules
(``wagtail.models.sites.get_site_for_hostname``): hostname and port, then hostname of the
default site, then the default site unless exactly one other site has the hostname.

Pages that need their site for URLs pass it to Wagtail's public ``Page.relative_url(site,
request)`` (``core.links.page_url``), so Wagtail does not look for it again. The site is
found for every page Wagtail serves (``core.serve``) and for every page with the footer;
views that never ask (the API) leave it to Wagtail and read no content generation for it.
"""

import copy

from django.http.request import split_domain_port
from wagtail.models import Site

from .memo import memoised


def all_sites():
    return list(Site.objects.all())


def match_site(sites, hostname, port):
    """The site Wagtail's ``get_site_for_hostname`` picks among ``sites``, or None."""
    by_rank = {}
    for site in sites:
        if site.hostname == hostname and site.port == port:
            rank = 0
        elif site.hostname == hostname and site.is_default_site:
            rank = 1
        elif site.is_default_site:
            rank = 2
        elif site.hostname == hostname:
            rank = 3
        else:
            continue
        by_rank.setdefault(rank, []).append(site)
    candidates = [site for rank in sorted(by_rank) for site in by_rank[rank]]
    if not candidates:
        return None
    best_rank = min(by_rank)
    if len(candidates) == 1 or best_rank in (0, 1):
        return candidates[0]
    if best_rank == 2:
        # The default site with another hostname: a single site with the hostname (on
        # another port) wins over it, several do not.
        return candidates[len(candidates) == 2]
    return None


def known_site(request):
    """The site :func:`site_for_request` found for this request, or None if it was not
    asked (or found none)."""
    found = getattr(request, "praxis_site", None)
    return found[0] if found is not None else None


def site_for_request(request):
    """The site of the request (a copy), or None; found once per request."""
    if request is None:
        return None
    found = getattr(request, "praxis_site", None)
    if found is None:
        sites = memoised("core.sites.all_sites", all_sites, request)
        hostname = split_domain_port(request.get_host())[0]
        try:
            port = int(request.get_port())
        except ValueError:
            port = None
        site = match_site(sites, hostname, port)
        found = request.praxis_site = (copy.copy(site) if site is not None else None,)
    return found[0]
