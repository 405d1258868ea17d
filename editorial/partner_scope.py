"""What partner accounts may see in the admin beyond their own section (issue 12).

Editors and moderators (and superusers) see the whole site. Everyone else (the partner
groups) is limited to the pages below the pages its groups hold permissions on:

- the page chooser lists those pages and the pages above them (to navigate), nothing of
  another partner's section (``construct_page_chooser_queryset``);
- bulk actions (their confirmation pages too) only for pages in that area;
- site history, the page-types report and the search analytics (the site's and Wagtail's
  search terms) are for editors and moderators only (menu items hidden, views 403);
- documents in a partner's collection are served to visitors only once a live public page
  uses them (``before_serve_document``).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from wagtail.models import GroupCollectionPermission, Page, ReferenceIndex

from core.visibility import public_ids

from .setup import EDITORS, MODERATORS, PARTNER_PREFIX

EDITORIAL_REPORT_MENU_NAMES = {"site-history", "page-types-usage", "search-terms", "suchanalyse"}


def is_editorial(user):
    return user.is_superuser or user.groups.filter(name__in=(EDITORS, MODERATORS)).exists()


def permitted_roots(user):
    return set(
        Page.objects.filter(group_permissions__group__user=user).values_list("path", flat=True)
    )


def area_q(roots):
    """Pages below (or at) the roots, and the pages above them."""
    query = Q(pk__in=[])
    for path in roots:
        query |= Q(path__startswith=path)
        query |= Q(path__in=[path[:end] for end in range(Page.steplen, len(path), Page.steplen)])
    return query


def scope_page_chooser(pages, request):
    if is_editorial(request.user):
        return pages
    return pages.filter(area_q(permitted_roots(request.user)))


def editorial_only_paths():
    return [
        reverse("wagtailadmin_reports:site_history"),
        reverse("wagtailadmin_reports:page_types_usage"),
        reverse("search_analytics"),
        reverse("wagtailsearchpromotions:search_terms"),
    ]


def check_admin_request(request):
    """PermissionDenied for what a partner account may not open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or is_editorial(user):
        return
    path = request.path_info
    if any(path.startswith(prefix) for prefix in editorial_only_paths()):
        raise PermissionDenied
    if path.startswith("/admin/bulk/wagtailcore/page/"):
        ids = request.GET.getlist("id") + request.POST.getlist("id")
        if "all" in ids or not all(pk.isdigit() for pk in ids):
            raise PermissionDenied
        roots = permitted_roots(user)
        inside = Page.objects.filter(pk__in=ids).filter(_below(roots))
        if inside.count() != len(set(ids)):
            raise PermissionDenied


def _below(roots):
    query = Q(pk__in=[])
    for path in roots:
        query |= Q(path__startswith=path)
    return query


class PartnerAdminScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/admin/"):
            check_admin_request(request)
        return self.get_response(request)


def hide_editorial_reports(request, menu_items):
    if not is_editorial(request.user):
        menu_items[:] = [
            item for item in menu_items if item.name not in EDITORIAL_REPORT_MENU_NAMES
        ]


def partner_collection_ids():
    return set(
        GroupCollectionPermission.objects.filter(
            group__name__startswith=PARTNER_PREFIX
        ).values_list("collection_id", flat=True)
    )


def guard_partner_document(document, request):
    """A document in a partner's collection is served to visitors only when a live public
    page uses it; admin users may always download it."""
    if document.collection_id not in partner_collection_ids():
        return None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.has_perm("wagtailadmin.access_admin"):
        return None
    page_ids = {
        int(source.pk)
        for source, _references in ReferenceIndex.get_references_to(
            document
        ).group_by_source_object()
        if isinstance(source, Page)
    }
    if public_ids(page_ids):
        return None
    raise Http404
