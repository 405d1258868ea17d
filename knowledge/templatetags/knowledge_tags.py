from django import template

from agenda.models import EventIndexPage
from core.links import page_url
from core.memo import memoised, pages_by_case
from core.pages import page_tree

from ..models import GuideCase, GuidePage, KnowledgeIndexPage

register = template.Library()


def guides_by_case():
    """Live, public guides that name cases as applying them, by title, per case id."""
    guides = (
        GuidePage.objects.live()
        .public()
        .filter(guide_cases__isnull=False)
        .defer_streamfields()
        .only("id", "path", "depth", "url_path", "title", "kind", "summary")
        .distinct()
        .order_by("title")
    )
    return pages_by_case(guides, GuideCase)


@register.simple_tag(takes_context=True)
def guides_for_case(context, case):
    """Live guides that name the case as applying them ("Leitfäden zu diesem Fall"). The
    links are the same on every page: kept per content generation (core.memo)."""
    by_case = memoised("knowledge.guides_by_case", guides_by_case, context.get("request"))
    return list(by_case.get(case.pk, []))


@register.simple_tag(takes_context=True)
def exchange_nav(context):
    """URLs of the knowledge base and the events listing for the main navigation, from the
    pages the routing loaded or its memo: no query."""
    request = context.get("request")
    cached = getattr(request, "_exchange_nav", None) if request is not None else None
    if cached is not None:
        return cached
    urls = {"knowledge": "", "events": ""}
    # Routing below the home page loaded its sections (core.pages): no query if both are there.
    sections = [
        page
        for page in getattr(request, "site_sections", ())
        if page.live and isinstance(page, KnowledgeIndexPage | EventIndexPage)
    ]
    if {type(page) for page in sections} == {KnowledgeIndexPage, EventIndexPage}:
        pages = sections
    else:
        # Views outside the page tree: the routing's memo holds both (core.pages), read only.
        pages = [
            page
            for page in page_tree(request).by_id.values()
            if page.live and isinstance(page, KnowledgeIndexPage | EventIndexPage)
        ]
    for page in pages:
        key = "events" if isinstance(page, EventIndexPage) else "knowledge"
        if not urls[key]:
            urls[key] = page_url(page, request) or ""
    if request is not None:
        request._exchange_nav = urls
    return urls
