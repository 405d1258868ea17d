"""Wagtail's own admin reports with formula-safe CSV exports (finding 5).

Wagtail's report views (locked pages, workflows, site history, aging pages, page types
usage, search terms) and its redirect list export CSV through ``SpreadsheetExportMixin``
without escaping formula cells. The same views, with
:class:`core.csvsafe.FormulaSafeExportMixin`, answer those URLs here: these patterns come
before ``include(wagtailadmin_urls)`` in ``cms/urls.py``, so the URL names
(``wagtailadmin_reports:...``) stay Wagtail's and resolve to the safe views.
"""

from django.urls import path
from wagtail.admin.views.reports.aging_pages import AgingPagesView
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.admin.views.reports.locked_pages import LockedPagesView
from wagtail.admin.views.reports.page_types_usage import PageTypesUsageReportView
from wagtail.admin.views.reports.workflows import WorkflowTasksView, WorkflowView
from wagtail.contrib.redirects.views import IndexView as RedirectIndexView
from wagtail.contrib.search_promotions.views.reports import SearchTermsReportView

from .csvsafe import FormulaSafeExportMixin


class SafeLockedPagesView(FormulaSafeExportMixin, LockedPagesView):
    pass


class SafeWorkflowView(FormulaSafeExportMixin, WorkflowView):
    pass


class SafeWorkflowTasksView(FormulaSafeExportMixin, WorkflowTasksView):
    pass


class SafeLogEntriesView(FormulaSafeExportMixin, LogEntriesView):
    pass


class SafeAgingPagesView(FormulaSafeExportMixin, AgingPagesView):
    pass


class SafePageTypesUsageReportView(FormulaSafeExportMixin, PageTypesUsageReportView):
    pass


class SafeSearchTermsReportView(FormulaSafeExportMixin, SearchTermsReportView):
    pass


class SafeRedirectIndexView(FormulaSafeExportMixin, RedirectIndexView):
    pass


REPORTS = [
    ("locked/", SafeLockedPagesView),
    ("workflow/", SafeWorkflowView),
    ("workflow_tasks/", SafeWorkflowTasksView),
    ("site-history/", SafeLogEntriesView),
    ("aging-pages/", SafeAgingPagesView),
    ("page-types-usage/", SafePageTypesUsageReportView),
]

# Mounted at "admin/reports/" (cms/urls.py), without names: reverse() keeps Wagtail's.
urlpatterns = [
    pattern
    for prefix, view in REPORTS
    for pattern in (
        path(prefix, view.as_view()),
        path(f"{prefix}results/", view.as_view(results_only=True)),
    )
]

# Mounted at "admin/" (cms/urls.py): the search terms report and the redirect list, whose
# URLs Wagtail's contrib apps register with a hook.
contrib_urlpatterns = [
    pattern
    for prefix, view in [
        ("searchpicks/reports/search-terms/", SafeSearchTermsReportView),
        ("redirects/", SafeRedirectIndexView),
    ]
    for pattern in (
        path(prefix, view.as_view()),
        path(f"{prefix}results/", view.as_view(results_only=True)),
    )
]
