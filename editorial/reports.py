"""Admin report "Unvollständige Fälle": cases the user may edit that lack core facts or one
of the six transfer facts, or that are still "laufend" a year after their period ended."""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.permission_policies.pages import PagePermissionPolicy

from casestudies.completeness import TRANSFER_FACTS, check_page, missing_transfer_facts
from casestudies.models import CasePage, CaseTown

from .checks import running_past_end


@dataclass
class CaseGaps:
    missing: list  # [(field, label)] of core facts
    transfer_missing: list  # labels of the six transfer facts
    past_end: bool  # "laufend", but the period ended more than a year ago

    @property
    def transfer_filled(self):
        return len(TRANSFER_FACTS) - len(self.transfer_missing)

    @property
    def transfer_total(self):
        return len(TRANSFER_FACTS)


def incomplete_cases(user, today=None):
    editable = PagePermissionPolicy().instances_user_has_permission_for(user, "change")
    cases = (
        CasePage.objects.filter(pk__in=editable.values("pk"))
        .defer_streamfields()
        .prefetch_related(
            Prefetch("case_towns", queryset=CaseTown.objects.select_related("town")),
            "themes",
            "case_contacts",
        )
        .order_by("title")
    )
    rows = []
    for case in cases:
        gaps = CaseGaps(
            missing=check_page(case).missing,
            transfer_missing=missing_transfer_facts(case),
            past_end=running_past_end(case, today),
        )
        if gaps.missing or gaps.transfer_missing or gaps.past_end:
            rows.append((case, gaps))
    return rows


class IncompleteCasesReport(View):
    def get(self, request):
        return render(
            request,
            "editorial/incomplete_cases.html",
            {"rows": incomplete_cases(request.user), "page_title": _("Unvollständige Fälle")},
        )
