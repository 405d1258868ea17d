"""Wagtail API v2 under /api/v2/: pages, and the cases with the fields of the codebook.

/api/v2/faelle/ serves exactly the fields of :mod:`partners.codebook` (the same names and
values as the CSV and JSON export) plus Wagtail's ``meta`` (type, detail_url, html_url).
/api/v2/openapi.json documents it; the schema is generated from the codebook as well.
"""

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_safe
from rest_framework import serializers
from rest_framework.fields import SkipField
from wagtail.api import APIField
from wagtail.api.v2.filters import SearchFilter
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.serializers import (
    DetailUrlField,
    PageAliasOfField,
    PageHtmlUrlField,
    PageParentField,
    PageSerializer,
    get_serializer_class,
)
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet

from casestudies.models import CasePage
from core.links import absolute_page_url
from core.params import MAX_OFFSET, bounded_int, is_query_syntax_error
from search.service import MAX_QUERY_LENGTH, clean_query

from . import codebook
from .middleware import mark_public_data, public_data

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CodebookSerializerField(serializers.Field):
    """One codebook field, computed from the whole page."""

    def __init__(self, codebook_field):
        self.codebook_field = codebook_field
        super().__init__(source="*", read_only=True)

    def to_representation(self, value):
        return self.codebook_field.value(value, self.context["request"])


class CleanedQuery:
    """What a filter backend reads of a request: its query string."""

    def __init__(self, params):
        self.GET = params


# Wagtail builds ``detail_url`` and ``html_url`` from the Site record (``http://localhost/``
# by default), not from where the API was asked. These fields use the request's host
# (core.links); nested pages (``parent``, ``alias_of``) are serialised the same way.


class RequestDetailUrlField(DetailUrlField):
    def get_attribute(self, instance):
        path = self.context["router"].get_object_detail_urlpath(type(instance), instance.pk)
        if not path:
            raise SkipField
        return self.context["request"].build_absolute_uri(path)


class RequestHtmlUrlField(PageHtmlUrlField):
    def to_representation(self, page):
        return absolute_page_url(page, self.context["request"])


NESTED_PAGE_FIELDS = ["id", "type", "detail_url", "html_url", "title"]


def _nested_page(field, value):
    serializer_class = get_serializer_class(
        value.__class__,
        NESTED_PAGE_FIELDS,
        meta_fields=["type", "detail_url", "html_url"],
        base=RequestPageSerializer,
    )
    return serializer_class(context=field.context).to_representation(value)


class RequestPageParentField(PageParentField):
    def to_representation(self, value):
        return _nested_page(self, value)


class RequestPageAliasOfField(PageAliasOfField):
    def to_representation(self, value):
        return _nested_page(self, value)


class RequestPageSerializer(PageSerializer):
    detail_url = RequestDetailUrlField(read_only=True)
    html_url = RequestHtmlUrlField(read_only=True)
    parent = RequestPageParentField(read_only=True)
    alias_of = RequestPageAliasOfField(read_only=True)


class CleanSearchFilter(SearchFilter):
    """Wagtail's ``?search=`` with the site's query rules: control characters removed, at
    most MAX_QUERY_LENGTH characters, and a blank query is no search (Wagtail's database
    backend fails on it)."""

    def filter_queryset(self, request, queryset, view):
        if "search" not in request.GET:
            return queryset
        query = clean_query(request.GET["search"])
        if len(query) > MAX_QUERY_LENGTH:
            raise BadRequestError(f"search is longer than {MAX_QUERY_LENGTH} characters")
        if not query:
            return queryset
        params = request.GET.copy()
        params["search"] = query
        # Wagtail's filter reads the query string from ``request.GET`` only: it gets the
        # cleaned one, and the request itself stays as the client sent it.
        results = super().filter_queryset(CleanedQuery(params), queryset, view)
        # The backend parses the query when it runs: a syntax error (an unmatched quote on
        # SQLite) is the client's mistake, answered here rather than as an outage.
        try:
            with transaction.atomic():
                results.count()
        except DatabaseError as error:
            if not is_query_syntax_error(error):
                raise
            raise BadRequestError("search: the query cannot be parsed") from None
        return results


class PublicDataMixin:
    base_serializer_class = RequestPageSerializer
    filter_backends = [
        CleanSearchFilter if backend is SearchFilter else backend
        for backend in PagesAPIViewSet.filter_backends
    ]

    def listing_view(self, request):
        for name in ("offset", "limit"):
            if name in request.GET:
                try:
                    bounded_int(request.GET[name], MAX_OFFSET)
                except ValueError as error:
                    raise BadRequestError(f"{name} {error}") from None
        return super().listing_view(request)

    def handle_exception(self, exc):
        # A filter value the field cannot hold (?first_published_at=abc) is the client's
        # mistake: 400 with the message, as Wagtail does for its own parameters.
        if isinstance(exc, ValidationError | ValueError | OverflowError):
            exc = BadRequestError("; ".join(getattr(exc, "messages", [str(exc)])))
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return mark_public_data(response)


class PagesEndpoint(PublicDataMixin, PagesAPIViewSet):
    pass


class CasesEndpoint(PublicDataMixin, PagesAPIViewSet):
    """Live, public cases. Filters: any codebook field stored as such in the database
    (``?status=laufend``, ``?scope=regional``, ``?period_start_year=2021``), plus Wagtail's
    ``search``, ``order``, ``limit``, ``offset`` and ``fields``."""

    name = "faelle"
    model = CasePage
    body_fields = []
    meta_fields = ["type", "detail_url", "html_url"]
    listing_default_fields = ["type", "detail_url", "html_url", *codebook.FIELD_NAMES]
    nested_default_fields = ["id", "title", "detail_url", "html_url"]
    detail_only_fields = []

    @classmethod
    def get_body_fields(cls, model):
        return [
            APIField(field.name, serializer=CodebookSerializerField(field))
            for field in codebook.FIELDS
        ]

    @classmethod
    def get_detail_default_fields(cls, model):
        return cls.get_available_fields(model)

    @classmethod
    def get_listing_default_fields(cls, model):
        return cls.listing_default_fields[:]

    def get_queryset(self):
        return codebook.with_record_data(super().get_queryset())

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


router = WagtailAPIRouter("wagtailapi")
# Cases first: a case's detail_url then points to /api/v2/faelle/<id>/.
router.register_endpoint("faelle", CasesEndpoint)
router.register_endpoint("pages", PagesEndpoint)


def _parameter(name, description, schema=None):
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


SELECTION_PARAMETERS = [
    _parameter("q", "Suchbegriffe wie auf /suche/"),
    _parameter("thema", "Themen-Kurzform, mehrfach möglich"),
    _parameter("land", "Länderkürzel (NI, NW, …), mehrfach möglich"),
    _parameter("groesse", "Stadtgrößenklasse, mehrfach möglich"),
    _parameter("status", "geplant, laufend, verstetigt, beendet; mehrfach möglich"),
    _parameter("foerderung", "Förderprogramm-ID, mehrfach möglich"),
    _parameter("zeitraum", "bis-2014, 2015-2019, 2020-2022, ab-2023"),
    _parameter("sortierung", "relevanz, neu, groesse, titel (auch -neu wie in der Bibliothek)"),
]


def openapi_document(request):
    case_schema = codebook.json_schema()
    meta_schema = {
        "type": "object",
        "properties": {
            "type": {"type": "string", "example": "casestudies.CasePage"},
            "detail_url": {"type": "string", "format": "uri"},
            "html_url": {"type": "string", "format": "uri"},
        },
    }
    api_case = {
        "allOf": [
            {"type": "object", "properties": {"meta": meta_schema}},
            {"$ref": "#/components/schemas/Case"},
        ]
    }
    text = {"text/plain": {"schema": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Praxisatlas Kleinstadt: Daten zur Nachnutzung",
            "version": "2",
            "description": (
                "Praxisfälle als Wagtail-API v2, Export (CSV, JSON), Feeds und oEmbed. Die "
                "Felder eines Falls sind überall dieselben; das Codebuch beschreibt sie: "
                + request.build_absolute_uri(reverse("partners:codebook"))
            ),
        },
        "servers": [{"url": request.build_absolute_uri("/")}],
        "paths": {
            "/api/v2/faelle/": {
                "get": {
                    "summary": "Praxisfälle auflisten",
                    "parameters": [
                        _parameter("limit", "Höchstens 50", {"type": "integer"}),
                        _parameter("offset", "Versatz", {"type": "integer"}),
                        _parameter("order", "Feldname, mit - absteigend; random"),
                        _parameter("fields", "Feldauswahl, z. B. title,towns oder *"),
                        _parameter("search", "Volltextsuche von Wagtail"),
                        _parameter("status", "geplant, laufend, verstetigt, beendet"),
                        _parameter("scope", "lokal, interkommunal, regional, bundesweit"),
                        _parameter("slug", "Kurzform"),
                    ],
                    "responses": {
                        "200": {
                            "description": "Eine Seite der Fälle",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "meta": {
                                                "type": "object",
                                                "properties": {"total_count": {"type": "integer"}},
                                            },
                                            "items": {"type": "array", "items": api_case},
                                        },
                                    }
                                }
                            },
                        },
                        "400": {"description": "Unbekannter Parameter oder Feldname"},
                    },
                }
            },
            "/api/v2/faelle/{id}/": {
                "get": {
                    "summary": "Ein Praxisfall",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "Der Fall",
                            "content": {"application/json": {"schema": api_case}},
                        },
                        "404": {"description": "Kein veröffentlichter Fall"},
                    },
                }
            },
            "/export/faelle.json": {
                "get": {
                    "summary": "Auswahl als JSON (alle Treffer, Reihenfolge wie die Suche)",
                    "parameters": SELECTION_PARAMETERS,
                    "responses": {
                        "200": {
                            "description": "Fälle mit Verweis auf das Codebuch",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "codebook": {"type": "string", "format": "uri"},
                                            "source": {"type": "string", "format": "uri"},
                                            "generated_at": {
                                                "type": "string",
                                                "format": "date-time",
                                            },
                                            "count": {"type": "integer"},
                                            "cases": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Case"},
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "400": {"description": "Ungültiger Filterwert", "content": text},
                    },
                }
            },
            "/export/faelle.csv": {
                "get": {
                    "summary": "Auswahl als CSV (Spalten wie im Codebuch)",
                    "parameters": [
                        *SELECTION_PARAMETERS,
                        _parameter(
                            "format",
                            "leer: Komma als Trenner; excel: Semikolon (Excel mit deutschen "
                            "Einstellungen)",
                            {"type": "string", "enum": ["", "excel"]},
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "CSV, UTF-8 mit BOM",
                            "content": {"text/csv": {"schema": {"type": "string"}}},
                        },
                        "400": {"description": "Ungültiger Filterwert", "content": text},
                    },
                }
            },
            "/export/faelle.xlsx": {
                "get": {
                    "summary": "Auswahl als Excel-Arbeitsmappe (Spalten wie im Codebuch)",
                    "parameters": SELECTION_PARAMETERS,
                    "responses": {
                        "200": {
                            "description": "XLSX, ein Tabellenblatt",
                            "content": {XLSX_TYPE: {"schema": {"type": "string"}}},
                        },
                        "400": {"description": "Ungültiger Filterwert", "content": text},
                    },
                }
            },
            "/feeds/faelle/rss/": {
                "get": {
                    "summary": "RSS 2.0: neue und aktualisierte Fälle der Auswahl",
                    "parameters": SELECTION_PARAMETERS,
                    "responses": {"200": {"description": "RSS"}, "400": {"description": "-"}},
                }
            },
            "/feeds/faelle/atom/": {
                "get": {
                    "summary": "Atom 1.0: neue und aktualisierte Fälle der Auswahl",
                    "parameters": SELECTION_PARAMETERS,
                    "responses": {"200": {"description": "Atom"}, "400": {"description": "-"}},
                }
            },
            "/oembed/": {
                "get": {
                    "summary": "oEmbed 1.0 für Fallseiten und Listen",
                    "parameters": [
                        {
                            "name": "url",
                            "in": "query",
                            "required": True,
                            "description": "Adresse einer Fallseite, der Bibliothek, einer "
                            "Themenseite oder der Suche",
                            "schema": {"type": "string", "format": "uri"},
                        },
                        _parameter("format", "json (Standard) oder xml"),
                        _parameter("maxwidth", "Höchstbreite in Pixeln", {"type": "integer"}),
                        _parameter("maxheight", "Höchsthöhe in Pixeln", {"type": "integer"}),
                        _parameter("ansicht", "karte (Standard) oder fall, nur für Fälle"),
                    ],
                    "responses": {
                        "200": {"description": "oEmbed-Antwort vom Typ rich"},
                        "400": {"description": "Ungültiger Parameter", "content": text},
                        "404": {"description": "Keine Adresse dieser Website", "content": text},
                        "501": {"description": "Format nicht unterstützt", "content": text},
                    },
                }
            },
            "/export/codebuch.json": {
                "get": {
                    "summary": "Das Codebuch: alle Felder mit Typ und Bedeutung",
                    "responses": {"200": {"description": "Codebuch"}},
                }
            },
        },
        "components": {"schemas": {"Case": case_schema}},
    }


@require_safe
@public_data
def openapi_json(request):
    return JsonResponse(
        openapi_document(request), json_dumps_params={"ensure_ascii": False, "indent": 1}
    )


@require_safe
@public_data
def index(request):
    """/api/v2/ itself: what there is, with absolute links (instead of a 404)."""

    def link(path):
        return request.build_absolute_uri(path)

    body = {
        "name": "Praxisatlas Kleinstadt: Daten zur Nachnutzung",
        "version": "2",
        "documentation": link(reverse("partners:openapi")),
        "codebook": link(reverse("partners:codebook_json")),
        "endpoints": {
            "faelle": link(reverse("wagtailapi:faelle:listing")),
            "pages": link(reverse("wagtailapi:pages:listing")),
        },
        "exports": {
            "csv": link(reverse("partners:export_csv")),
            "csv_excel": link(reverse("partners:export_csv") + "?format=excel"),
            "xlsx": link(reverse("partners:export_xlsx")),
            "json": link(reverse("partners:export_json")),
        },
        "feeds": {
            "rss": link(reverse("partners:feed_rss")),
            "atom": link(reverse("partners:feed_atom")),
        },
        "oembed": link(reverse("partners:oembed")),
        "search": link(reverse("praxis-api:search_cases")),
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 1})
