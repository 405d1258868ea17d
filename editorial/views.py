from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from casestudies.models import CasePage, Status

from .checks import change_status, mark_checked, read_token


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_check(request, token):
    """A case's contact confirms "Angaben sind aktuell". Opening the link shows a button;
    only the POST sets "Zuletzt geprüft" (mail scanners follow links)."""
    page = read_token(token)
    if page is None:
        return render(request, "editorial/check_invalid.html", status=404)
    if request.method == "POST":
        page = mark_checked(page)
        return render(request, "editorial/check_done.html", {"case": page})
    return render(request, "editorial/check_confirm.html", {"case": page, "token": token})


@require_http_methods(["GET", "POST"])
def case_status(request, page_id):
    """Admin: change a case's status in one click (laufend, verstetigt, beendet)."""
    page = get_object_or_404(CasePage, pk=page_id)
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    choices = [Status.RUNNING, Status.ESTABLISHED, Status.FINISHED]
    if request.method == "POST":
        status = request.POST.get("status")
        if status not in choices:
            messages.error(request, _("Unbekannter Status."))
            return redirect("editorial_admin:case_status", page_id=page.pk)
        result = change_status(page, status, request.user)
        label = Status(status).label
        if result.published:
            messages.success(request, _("Status „%(status)s“ veröffentlicht.") % {"status": label})
        elif result.submitted:
            messages.success(
                request,
                _("Status „%(status)s“ gespeichert und zur Prüfung eingereicht.")
                % {"status": label},
            )
        else:
            messages.warning(
                request,
                " ".join(
                    [_("Status „%(status)s“ als Entwurf gespeichert.") % {"status": label}]
                    + result.missing
                ),
            )
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    latest = page.get_latest_revision_as_object()
    return render(
        request,
        "editorial/case_status.html",
        {
            "page": page,
            "current": latest.status,
            "choices": [(value, Status(value).label) for value in choices],
            "can_publish": page.permissions_for_user(request.user).can_publish(),
        },
    )
