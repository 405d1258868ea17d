"""What the public may see of a page: one rule, used by every public output.

A page is public when it is live and neither it nor an ancestor carries a view restriction
(password, login, groups). The page itself is guarded by Wagtail when it is requested; every
other output that names a page (search and its facets, autocomplete, related cases, towns like
mine, case links on guides and events, feeds, exports, embeds, oEmbed, API, digests, sitemap)
asks here, or reads data derived from pages that passed here (the search entries).

Derived data follows a change of a restriction at once: ``restriction_changed`` names the
pages whose visibility a saved or deleted restriction may have changed; apps that keep data
derived from pages connect to ``PageViewRestriction`` signals and call it (search does).
"""

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length, Substr
from wagtail.models import Page, PageViewRestriction

from .pages import ancestor_paths


def restricted_q(outer_path="path"):
    """Q for a page queryset: a view restriction sits on the page or on one of its
    ancestors (the restricted page's path is a prefix of the page's path)."""
    return Q(
        Exists(
            PageViewRestriction.objects.filter(
                page__path=Substr(OuterRef(outer_path), 1, Length("page__path"))
            )
        )
    )


def public_q(outer_path="path", live_field="live"):
    """Q for a queryset of pages (or, with ``outer_path="case__path"`` and
    ``live_field="case__live"``, of rows that point to a page): the page is public."""
    return Q(**{live_field: True}) & ~restricted_q(outer_path)


def public_pages(queryset):
    """The public pages of a page queryset."""
    return queryset.filter(public_q())


def public_ids(page_ids):
    """The ids among ``page_ids`` whose pages are public, in one query."""
    page_ids = {pk for pk in page_ids if pk is not None}
    if not page_ids:
        return set()
    return set(public_pages(Page.objects.filter(pk__in=page_ids)).values_list("pk", flat=True))


def is_public(page):
    """Is this page (any Page instance) public? One query for a live page, none otherwise."""
    if page is None or not page.live:
        return False
    return not PageViewRestriction.objects.filter(page__path__in=ancestor_paths(page.path)).exists()


def public_links(links, page_attr="case"):
    """The rows of ``links`` (e.g. a guide's case links) whose page ``page_attr`` is public,
    in their order, in one query."""
    links = list(links)
    allowed = public_ids(getattr(link, f"{page_attr}_id") for link in links)
    return [link for link in links if getattr(link, f"{page_attr}_id") in allowed]
