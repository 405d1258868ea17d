from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from casestudies.models import CasePage

from . import partner_scope
from .reports import IncompleteCasesReport
from .urls import admin_urlpatterns


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("redaktion/", include((admin_urlpatterns, "editorial_admin"))),
        path(
            "berichte/unvollstaendige-faelle/",
            IncompleteCasesReport.as_view(),
            name="editorial_incomplete_cases",
        ),
    ]


def _status_button(page, user, priority):
    if not isinstance(page.specific_deferred, CasePage):
        return None
    if not page.permissions_for_user(user).can_edit():
        return None
    return Button(
        _("Status ändern"),
        reverse("editorial_admin:case_status", args=[page.pk]),
        icon_name="resubmit",
        priority=priority,
    )


@hooks.register("register_page_header_buttons")
def page_header_status_button(page, user, view_name, next_url=None):
    button = _status_button(page, user, priority=64)
    return [button] if button else []


@hooks.register("register_page_listing_more_buttons")
def page_listing_status_button(page, user, next_url=None):
    button = _status_button(page, user, priority=45)
    return [button] if button else []


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action("editorial.status", _("Status geändert"), _("Status geändert"))
    actions.register_action(
        "editorial.checked", _("Angaben als aktuell bestätigt"), _("Als aktuell bestätigt")
    )


class EditorsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("wagtailadmin.access_admin")


@hooks.register("register_reports_menu_item")
def register_incomplete_cases_menu_item():
    return EditorsMenuItem(
        _("Unvollständige Fälle"),
        reverse("editorial_incomplete_cases"),
        icon_name="warning",
        order=800,
    )


# Partner accounts: limited to their own section (editorial/partner_scope.py).
hooks.register("construct_page_chooser_queryset", partner_scope.scope_page_chooser)
hooks.register("construct_reports_menu", partner_scope.hide_editorial_reports)
hooks.register("before_serve_document", partner_scope.guard_partner_document)
