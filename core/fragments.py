"""What a cached fragment of a page depends on (``{% publiccache %}``,
core/templatetags/fragments.py), and when a page must be rendered without fragments."""

from .visibility import is_public


def page_fragment_scope(page, request):
    """The page's id, its live revision, when it was last published and its address: with
    the content generation (added by the tag) everything a fragment of the page shows.
    ``None`` where the page is rendered without fragment cache: a preview or draft, an
    unpublished page, a page behind a view restriction (on it or an ancestor; the routing
    noted it, else one query), a logged-in user (the editor sees what was just saved, with
    the userbar)."""
    if request is None or getattr(request, "is_preview", False) or not page.live:
        return None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return None
    restricted = getattr(page, "has_restrictions", None)
    if restricted is None:
        restricted = not is_public(page)
    if restricted:
        return None
    published = page.last_published_at.isoformat() if page.last_published_at else ""
    return f"{page.pk}:{page.live_revision_id}:{published}:{page.url_path}"
