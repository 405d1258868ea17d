from django import template
from django.core.paginator import Paginator
from django.utils.http import urlencode

from ..links import page_url as site_page_url

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, page):
    """Wagtail's ``{% pageurl page %}``, with the request's site from core.sites (no query)."""
    return site_page_url(page, context.get("request"))


@register.simple_tag(takes_context=True)
def theme_url(context, library, theme):
    """URL of a theme's page in the case library."""
    if library is None:
        return ""
    return library.theme_url(theme, context.get("request"))


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
