from django import template

register = template.Library()


@register.simple_tag
def guides_for_case(case):
    """Live guides that name the case as applying them ("Leitfäden zu diesem Fall")."""
    from ..models import GuidePage

    return list(
        GuidePage.objects.live()
        .public()
        .filter(guide_cases__case=case)
        .defer_streamfields()
        .only("id", "path", "depth", "url_path", "title", "kind", "summary")
        .order_by("title")
        .distinct()
    )


@register.simple_tag(takes_context=True)
def exchange_nav(context):
    """URLs of the knowledge base and the events listing for the main navigation, looked up
    in one query per request."""
    from wagtail.models import Page

    from agenda.models import EventIndexPage

    from ..models import KnowledgeIndexPage

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
        pages = Page.objects.live().type(KnowledgeIndexPage, EventIndexPage).specific(defer=True)
    for page in pages:
        key = "events" if isinstance(page, EventIndexPage) else "knowledge"
        if not urls[key]:
            urls[key] = page.get_url(request=request) or ""
    if request is not None:
        request._exchange_nav = urls
    return urls
