from django import template

from core.pages import page_tree
from core.sites import site_for_request
from home.models import LegalPage

register = template.Library()


@register.simple_tag(takes_context=True)
def footer_pages(context):
    """The live, public legal pages (Impressum, Datenschutz, Barrierefreiheit, others) for
    the footer of every page. They are children of the site root, so the routing's memo of
    the page tree (core.pages) already holds them: no query."""
    request = context.get("request")
    tree = page_tree(request)
    site = site_for_request(request)
    root = tree.by_id.get(site.root_page_id) if site is not None else None
    prefix = root.path if root is not None else ""
    pages = [
        page
        for page in tree.by_id.values()
        if isinstance(page, LegalPage)
        and page.live
        and page.path.startswith(prefix)
        and not getattr(page, "has_restrictions", True)
    ]
    order = {kind: position for position, kind in enumerate(LegalPage.FOOTER_ORDER)}
    pages.sort(key=lambda page: (order.get(page.kind, len(order)), page.path))
    return pages
