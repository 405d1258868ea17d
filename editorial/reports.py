"""Admin report "Unvollständige Fälle": cases the user may edit that lack core facts."""

from django.db.models import Prefetch
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.permission_policies.pages import PagePermissionPolicy

from casestudies.completeness import check_page
from casestudies.models import CasePage, CaseTown


def incomplete_cases(user):
    editable = PagePermissionPolicy().instances_user_has_permission_for(user, "change")
    cases = (
        CasePage.objects.filter(pk__in=editable.values("pk"))
        .defer_streamfields()
        .prefetch_related(
            Prefetch("case_towns", queryset=CaseTown.objects.select_related("town")), "themes"
        )
        .order_by("title")
    )
    rows = []
    for case in cases:
        result = check_page(case)
        if not result.is_complete:
            rows.append((case, result))
    return rows


class IncompleteCasesReport(View):
    def get(self, request):
        return render(
            request,
            "editorial/incomplete_cases.html",
            {"rows": incomplete_cases(request.user), "page_title": _("Unvollständige Fälle")},
        )
