from django import template
from django.utils.safestring import mark_safe

from ..glossary import link_terms, terms_for_request

register = template.Library()


class GlossaryLinksNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        html = self.nodelist.render(context)
        request = context.get("request")
        page = context.get("page")
        terms = terms_for_request(request, exclude_page_id=getattr(page, "pk", None))
        # Once per page: several linked regions of one response share what was linked.
        seen = getattr(request, "_glossary_seen", None)
        if seen is None:
            seen = set()
            if request is not None:
                request._glossary_seen = seen
        return mark_safe(link_terms(html, terms, seen))  # noqa: S308  (markup is kept as is)


@register.tag
def glossary_links(parser, token):
    """``{% glossary_links %}…{% endglossary_links %}``: link the first occurrence of each
    glossary term in the enclosed HTML to its entry (once per page)."""
    nodelist = parser.parse(("endglossary_links",))
    parser.delete_first_token()
    return GlossaryLinksNode(nodelist)
