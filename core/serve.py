"""Wagtail's page serving, with the site root page taken from the page tree memo.

``wagtail.views.serve`` finds the site and then loads the site's root page and its specific
model (a query on every request) before routing. Here the site comes from the sites of the
content generation with Wagtail's matching rules (``core.sites``) and the root page from the
page tree (``core.pages.PageTree``, valid for one content generation, with its
view-restriction note); everything else is Wagtail's own view: ``route``, and the
``on_serve_page`` and ``before_serve_page`` hooks in the same order.
"""

import copy

from django.http import Http404, HttpResponse
from wagtail import hooks
from wagtail.views import serve_chain

from .pages import page_tree
from .sites import site_for_request

# Wagtail's pattern for page paths (WAGTAIL_APPEND_SLASH), without Wagtail's own "_util/"
# views (password form, login), which its URL configuration serves after this one.
SERVE_PATTERN = r"^(?!_util/)((?:[\w\-]+/)*)$"


def site_root(request, site):
    # Wagtail takes ``root_page.localized``: the same page here (WAGTAIL_I18N_ENABLED off).
    root = page_tree(request).by_id.get(site.root_page_id)
    return copy.copy(root) if root is not None else site.root_page.specific


def serve(request, path):
    site = site_for_request(request)
    if site is None:
        raise Http404
    page, args, kwargs = site_root(request, site).route(
        request, [component for component in path.split("/") if component]
    )

    on_serve_chain = serve_chain
    for fn in reversed(hooks.get_hooks("on_serve_page")):
        on_serve_chain = fn(on_serve_chain)

    for fn in hooks.get_hooks("before_serve_page"):
        result = fn(page, request, args, kwargs)
        if isinstance(result, HttpResponse):
            return result

    return on_serve_chain(page, request, args, kwargs)
