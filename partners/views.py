"""Embeds, oEmbed, exports and the codebook."""

import json
from xml.etree import ElementTree

from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from casestudies.models import CasePage, CaseTown
from core.api import documented
from core.links import absolute_page_url, absolute_url
from core.text import xml_safe
from search.service import SearchError

from . import codebook, openapi, selection, spreadsheet
from .api import XLSX_TYPE, ExportSerializer
from .embeds import SIZES, case_by_slug, iframe_html, list_target, resizer_url
from .embeds import target_from_url as _target_from_url
from .middleware import embeddable, public_data

# Embeds and oEmbed answers may be cached briefly by browsers and proxies: partners' pages
# load them on every visit, and nothing in them depends on the visitor.
EMBED_MAX_AGE = 300
PROVIDER_NAME = "Praxisatlas Kleinstadt"
MAX_URL_LENGTH = 2000


def _cached(response, max_age=EMBED_MAX_AGE):
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def _bad_request(message):
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


# ---------------------------------------------------------------------------------------------
# Embed views
# ---------------------------------------------------------------------------------------------


def _case_for_embed(slug, full):
    case = case_by_slug(slug)
    queryset = CasePage.objects.filter(pk=case.pk).prefetch_related(
        "themes",
        "funding_programmes",
        "case_contacts__contact__organisation",
    )
    if not full:
        queryset = queryset.defer_streamfields()
    case = queryset.select_related("image").get()
    case.town_links = list(CaseTown.objects.filter(page=case).select_related("town"))
    return case


def _case_context(request, case, kind):
    canonical = absolute_page_url(case, request)
    context = {"case": case, "canonical_url": canonical, "kind": kind}
    if case.image_id:
        spec = "fill-960x540" if kind == "karte" else "max-1440x960"
        context["image"] = case.image.get_rendition(spec)
    return context


@require_safe
@embeddable
def embed_card(request, slug):
    case = _case_for_embed(slug, full=False)
    context = _case_context(request, case, "karte")
    return _cached(render(request, "partners/embed/card.html", context))


@require_safe
@embeddable
def embed_case(request, slug):
    case = _case_for_embed(slug, full=True)
    context = _case_context(request, case, "fall")
    context["contacts"] = [link.contact for link in case.case_contacts.all()]
    return _cached(render(request, "partners/embed/case.html", context))


@require_safe
@embeddable
def embed_list(request):
    try:
        target = list_target(request.GET)
        result = selection.run(target.selection, limit=target.count)
    except SearchError as error:
        return _bad_request(str(error))
    cases = selection.cases_for(result.page_ids)
    canonical = absolute_url(target.selection.canonical_path(), request)
    context = {
        "result": result,
        "cases": cases,
        "canonical_url": canonical,
        "title": list_title(result),
    }
    return _cached(render(request, "partners/embed/list.html", context))


def list_title(result):
    return title_for(result.selection.query, [values for _label, values in result.labels])


def title_for(query, value_labels):
    """ "Praxisfälle: „Leerstand“ · Wohnen · Nordrhein-Westfalen" """
    parts = [", ".join(str(value) for value in values) for values in value_labels if values]
    if query:
        parts.insert(0, f"„{query}“")
    if not parts:
        return _("Praxisfälle")
    return _("Praxisfälle: %s") % " · ".join(parts)


# ---------------------------------------------------------------------------------------------
# oEmbed 1.0 (https://oembed.com/)
# ---------------------------------------------------------------------------------------------


def _dimension(request, name):
    raw = request.GET.get(name)
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 5) or not 1 <= int(raw) <= 10_000:
        raise ValueError(name)
    return int(raw)


@documented(
    summary="oEmbed 1.0 für Fallseiten und Listen",
    parameters=[
        OpenApiParameter(
            "url",
            OpenApiTypes.URI,
            required=True,
            description="Adresse einer Fallseite, der Bibliothek, einer Themenseite oder der Suche",
        ),
        OpenApiParameter(
            "format", str, enum=["json", "xml"], description="json (Standard) oder xml"
        ),
        OpenApiParameter("maxwidth", int, description="Höchstbreite in Pixeln"),
        OpenApiParameter("maxheight", int, description="Höchsthöhe in Pixeln"),
        OpenApiParameter("ansicht", str, description="karte (Standard) oder fall, nur für Fälle"),
    ],
    responses={
        200: OpenApiResponse(OpenApiTypes.OBJECT, description="oEmbed-Antwort vom Typ rich"),
        **openapi.text(400, "Ungültiger Parameter"),
        **openapi.text(404, "Keine Adresse dieser Website"),
        **openapi.text(501, "Format nicht unterstützt"),
    },
)
@require_safe
@public_data
def oembed(request):
    url = request.GET.get("url", "").strip()
    if not url:
        return _bad_request(_("Der Parameter „url“ fehlt."))
    if len(url) > MAX_URL_LENGTH:
        return _bad_request(_("Der Parameter „url“ ist zu lang."))
    try:
        max_width = _dimension(request, "maxwidth")
        max_height = _dimension(request, "maxheight")
    except ValueError as error:
        return _bad_request(
            _("„%s“ muss eine positive ganze Zahl sein.") % error.args[0],
        )
    kind = request.GET.get("ansicht") or None
    if kind not in (None, "karte", "fall"):
        return _bad_request(_("„ansicht“ muss „karte“ oder „fall“ sein."))
    response_format = request.GET.get("format") or "json"
    if response_format not in ("json", "xml"):
        return HttpResponse(
            _("Dieses Format wird nicht unterstützt; möglich sind json und xml."),
            status=501,
            content_type="text/plain; charset=utf-8",
        )
    try:
        target = _target_from_url(url, request, kind=kind)
        data = oembed_data(request, target, max_width, max_height)
    except SearchError as error:
        return _bad_request(str(error))
    except Http404:
        return HttpResponse(
            _(
                "Diese Adresse gehört nicht zum Praxisatlas Kleinstadt oder lässt sich nicht "
                "einbetten."
            ),
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    if response_format == "xml":
        root = ElementTree.Element("oembed")
        for key, value in data.items():
            ElementTree.SubElement(root, key).text = xml_safe(str(value))
        body = ElementTree.tostring(root, encoding="unicode")
        response = HttpResponse(
            '<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n' + body,
            content_type="text/xml; charset=utf-8",
        )
    else:
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    return _cached(response)


def oembed_data(request, target, max_width=None, max_height=None):
    width, height = SIZES[target.kind]
    if max_width:
        width = min(width, max_width)
    if max_height:
        height = min(height, max_height)
    if target.kind == "liste":
        result = selection.run(target.selection, limit=1)
        title = list_title(result)
        author = ""
    else:
        title = target.case.title
        author = ", ".join(link.town.name for link in target.case.case_towns.all())
    frame_title = _("%(title)s – Praxisatlas Kleinstadt") % {"title": title}
    data = {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "provider_name": PROVIDER_NAME,
        "provider_url": absolute_url("/", request),
        "cache_age": EMBED_MAX_AGE,
        "width": width,
        "height": height,
        "html": iframe_html(
            absolute_url(target.embed_path(), request),
            frame_title,
            width,
            height,
            resizer_url(request),
            max_height=max_height,
        ),
    }
    if author:
        data["author_name"] = author
    if target.case is not None and target.case.image_id:
        box_width = min(640, max_width or 640)
        box_height = min(640, max_height or 640)
        rendition = target.case.image.get_rendition(f"max-{box_width}x{box_height}")
        data["thumbnail_url"] = absolute_url(rendition.url, request)
        data["thumbnail_width"] = rendition.width
        data["thumbnail_height"] = rendition.height
    return data


# ---------------------------------------------------------------------------------------------
# Export and codebook
# ---------------------------------------------------------------------------------------------


def _export_selection(request):
    chosen = selection.selection_from_params(request.GET)
    result = selection.run(chosen)
    return result, selection.cases_for(result.page_ids)


def _export_cases(params):
    result = selection.run(selection.selection_from_params(params))
    return selection.cases_for(result.page_ids)


def _filename(extension, suffix=""):
    return f"praxisfaelle-{timezone.localdate().isoformat()}{suffix}.{extension}"


CSV_FORMATS = {"": "machine", "maschine": "machine", "excel": "excel"}


@documented(
    summary="Auswahl als CSV (Spalten wie im Codebuch)",
    parameters=[
        *openapi.SELECTION_PARAMETERS,
        OpenApiParameter(
            "format",
            str,
            enum=["", "excel"],
            description="leer: Komma als Trenner; excel: Semikolon (Excel mit deutschen "
            "Einstellungen)",
        ),
    ],
    responses={**openapi.text(200, "CSV, UTF-8 mit BOM", "text/csv"), **openapi.BAD_FILTER},
)
@require_safe
@public_data
def export_csv(request):
    """Comma-separated for scripts; ``?format=excel`` semicolon-separated for Excel with
    German regional settings (partners/spreadsheet.py)."""
    dialect = CSV_FORMATS.get(request.GET.get("format", ""))
    if dialect is None:
        return _bad_request(_("„format“ muss „excel“ oder leer sein."))
    params = request.GET.copy()
    params.pop("format", None)
    try:
        cases = _export_cases(params)
    except SearchError as error:
        return _bad_request(str(error))
    response = HttpResponse(
        spreadsheet.csv_text(cases, request, dialect), content_type="text/csv; charset=utf-8"
    )
    suffix = "-excel" if dialect == "excel" else ""
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv", suffix)}"'
    return response


@documented(
    summary="Auswahl als Excel-Arbeitsmappe (Spalten wie im Codebuch)",
    parameters=openapi.SELECTION_PARAMETERS,
    responses={**openapi.text(200, "XLSX, ein Tabellenblatt", XLSX_TYPE), **openapi.BAD_FILTER},
)
@require_safe
@public_data
def export_xlsx(request):
    """The selection as an Excel workbook: one sheet, header row, filter, frozen header."""
    try:
        cases = _export_cases(request.GET)
    except SearchError as error:
        return _bad_request(str(error))
    response = HttpResponse(spreadsheet.xlsx_bytes(cases, request), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
    return response


@documented(
    summary="Auswahl als JSON (alle Treffer, Reihenfolge wie die Suche)",
    parameters=openapi.SELECTION_PARAMETERS,
    responses={
        200: OpenApiResponse(ExportSerializer, description="Fälle mit Verweis auf das Codebuch"),
        **openapi.BAD_FILTER,
    },
)
@require_safe
@public_data
def export_json(request):
    try:
        result, cases = _export_selection(request)
    except SearchError as error:
        return _bad_request(str(error))
    body = {
        "codebook": absolute_url(reverse("partners:codebook_json"), request),
        "source": absolute_url(result.selection.canonical_path(), request),
        "generated_at": timezone.now().isoformat(),
        "count": len(cases),
        "cases": [codebook.record(case, request) for case in cases],
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{_filename("json")}"'
    return response


@documented(
    summary="Das Codebuch: alle Felder mit Typ und Bedeutung",
    responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="Codebuch")},
)
@require_safe
@public_data
def codebook_json(request):
    return JsonResponse(codebook.as_dict(), json_dumps_params={"ensure_ascii": False})


@require_safe
def codebook_page(request):
    return render(
        request,
        "partners/codebook.html",
        {"codebook": codebook.as_dict(), "fields": codebook.FIELDS},
    )
