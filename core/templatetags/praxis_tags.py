from django import template
from django.utils.http import urlencode

register = template.Library()


@register.simple_tag
def theme_url(library, theme):
    """URL of a theme's page in the case library."""
    if library is None:
        return ""
    return library.theme_url(theme)


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
