from django import template
from django.core.paginator import Paginator
from django.utils.http import urlencode

register = template.Library()


@register.simple_tag
def theme_url(library, theme):
    """URL of a theme's page in the case library."""
    if library is None:
        return ""
    return library.theme_url(theme)


@register.simple_tag
def compare_url(library, *cases):
    """URL of the library's compare view with the given cases (pages or slugs)."""
    if library is None:
        return ""
    return library.compare_url([getattr(case, "slug", case) for case in cases])


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced (None removes one); for
    pagination and filter links that keep the other filters."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    encoded = urlencode(sorted(params.lists()), doseq=True)
    return f"?{encoded}" if encoded else "?"


_LIBRARY_CACHE_ATTR = "_praxis_library_page"


@register.simple_tag(takes_context=True)
def library_page(context):
    """The live case library page, for navigation links. Reuses a library already in the
    template context and otherwise takes it from the routing's memo (no query)."""
    from casestudies.models import CaseLibraryPage

    for candidate in (context.get("library"), context.get("page")):
        if isinstance(candidate, CaseLibraryPage):
            return candidate
    request = context.get("request")
    if request is not None and hasattr(request, _LIBRARY_CACHE_ATTR):
        return getattr(request, _LIBRARY_CACHE_ATTR)
    # Views outside the page tree (search, forms): from the routing's memo of the pages
    # between the site root and the cases (core.pages), read only.
    from core.pages import page_tree

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


@register.simple_tag
def page_numbers(page, num_pages, on_each_side=2, on_ends=1):
    """Page numbers around the current page, None for a gap, for ``num_pages`` pages. Django's
    own elision rule, for a paginated queryset and for the search engine's pages alike (a
    paginator over a range only counts it)."""
    paginator = Paginator(range(num_pages), 1)
    # A page past the end (a stale link) still gets the links back to the existing pages.
    page = min(max(page, 1), max(num_pages, 1))
    return [
        None if number == paginator.ELLIPSIS else number
        for number in paginator.get_elided_page_range(
            page, on_each_side=on_each_side, on_ends=on_ends
        )
    ]
