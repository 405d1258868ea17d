import datetime
import json

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import jobs
from .forms import UploadForm
from .library import export_library, library_to_zip
from .models import ImportJob

PERMISSION = "transfer.import_cases"
needs_permission = permission_required(PERMISSION, raise_exception=True)

# Column headings of the tables (transfer/includes/table_head.html).
JOB_COLUMNS = [
    _("Datei"),
    _("Hochgeladen"),
    _("Von"),
    _("Status"),
    _("Neu"),
    _("Geändert"),
    _("Unverändert"),
    _("Fehler"),
]


def _own_job(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    if job.user_id != request.user.pk and not request.user.is_superuser:
        raise PermissionDenied
    return job


def _breadcrumbs(*items):
    return [
        {"url": reverse("wagtailadmin_home"), "label": _("Home")},
        {"url": reverse("transfer:index"), "label": _("Import/Export")},
        *items,
    ]


@method_decorator(needs_permission, name="dispatch")
class IndexView(WagtailAdminTemplateMixin, FormView):
    template_name = "transfer/index.html"
    form_class = UploadForm
    page_title = _("Import/Export")
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return _breadcrumbs()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["jobs"] = ImportJob.objects.select_related("user").defer("records", "preview")[:25]
        context["max_records"] = jobs.max_records()
        context["job_columns"] = JOB_COLUMNS
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        job = jobs.check_upload(upload.name, upload.read(), self.request.user)
        return redirect("transfer:job", pk=job.pk)


@method_decorator(needs_permission, name="dispatch")
class JobView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "transfer/job.html"
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        self.job = get_object_or_404(ImportJob.objects.select_related("user"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Import „%s“") % self.job.file_name

    def get_breadcrumbs_items(self):
        return _breadcrumbs({"url": "", "label": self.job.file_name})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.job
        label = _("Zeile") if job.is_tabular else _("Datensatz")
        context.update(
            job=job,
            error_columns=[label, _("Adresse / Titel"), _("Feld"), _("Problem")],
            preview_columns=[
                label,
                _("Adresse (slug)"),
                _("Titel"),
                _("Ergebnis"),
                _("Veröffentlichen"),
                _("Hinweise"),
            ],
            errors=[{**error, "row": job.row_label(error["number"])} for error in job.errors],
            preview=[{**row, "row": job.row_label(row["number"])} for row in job.preview],
            counts=jobs.counts(job.preview),
            new_entries=jobs.new_entries(job.preview),
            may_run=job.user_id == self.request.user.pk or self.request.user.is_superuser,
        )
        return context


@needs_permission
@require_POST
def start_job(request, pk):
    job = _own_job(request, pk)
    jobs.start(job)
    return redirect("transfer:job", pk=job.pk)


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


@needs_permission
@require_POST
def step_job(request, pk):
    job = jobs.step(_own_job(request, pk), request.user)
    if _wants_json(request):
        return JsonResponse(job.status_json())
    return redirect("transfer:job", pk=job.pk)


@needs_permission
def job_status(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    return JsonResponse(job.status_json())


def _download_name(ending):
    return f"praxisatlas-fallbibliothek-{datetime.date.today():%Y-%m-%d}.{ending}"


@needs_permission
def export_json(request):
    data = export_library()
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{_download_name("json")}"'
    return response


@needs_permission
def export_zip(request):
    response = HttpResponse(library_to_zip(export_library()), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{_download_name("zip")}"'
    return response
