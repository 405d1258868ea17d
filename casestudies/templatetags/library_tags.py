"""The case library for navigation links in the shared templates (base, 404, search, card
lists): a tag of the domain app, so the base layer's tags (core/templatetags) name no domain
model."""

from django import template

from core.pages import page_tree

from ..models import CaseLibraryPage

register = template.Library()

_LIBRARY_CACHE_ATTR = "_praxis_library_page"


@register.simple_tag(takes_context=True)
def library_page(context):
    """The live case library page, for navigation links. Reuses a library already in the
    template context and otherwise takes it from the routing's memo (no query)."""
    for candidate in (context.get("library"), context.get("page")):
        if isinstance(candidate, CaseLibraryPage):
            return candidate
    request = context.get("request")
    if request is not None and hasattr(request, _LIBRARY_CACHE_ATTR):
        return getattr(request, _LIBRARY_CACHE_ATTR)
    # Views outside the page tree (search, forms): from the routing's memo of the pages
    # between the site root and the cases (core.pages), read only.
    library = next(
        (
            page
            for page in page_tree(request).by_id.values()
            if isinstance(page, CaseLibraryPage) and page.live
        ),
        None,
    )
    if request is not None:
        setattr(request, _LIBRARY_CACHE_ATTR, library)
    return library
