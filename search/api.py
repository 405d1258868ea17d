"""The JSON search API (/api/search/, /api/autocomplete/): the same search module as the search
page, served with Django REST framework like the rest of the API (core/api.py) and documented
in the generated OpenAPI document at /api/openapi.json (browsable at /api/docs).

The parameters are read by :func:`search.params.request_from_params`, the same rule as the
search page's; the serializers below describe parameters and answers for the document."""

from django.urls import path
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.api import PublicAPIView
from core.links import absolute_url

from . import engine
from .engine import SearchError, SearchNotReady
from .engines import server as engine_server
from .params import request_from_params


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Was an der Anfrage falsch ist (deutsch).")


class ResultSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    url = serializers.URLField(help_text="Absolute Adresse der Seite")
    kind = serializers.CharField(help_text="case, guide, glossary oder event")
    summary = serializers.CharField()
    towns = serializers.ListField(child=serializers.CharField())
    state = serializers.CharField(
        help_text="Bundesland des ersten (federführenden) Orts, sonst leer"
    )
    states = serializers.ListField(
        child=serializers.CharField(), help_text="Alle Bundesländer des Falls"
    )
    themes = serializers.ListField(child=serializers.CharField())
    highlight = serializers.CharField(help_text="Kurzfassung als HTML, Treffer in <mark>")
    score = serializers.FloatField()


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    selected = serializers.BooleanField()


class SearchResultsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    results = ResultSerializer(many=True)
    facets = serializers.DictField(child=FacetValueSerializer(many=True))
    suggestion = serializers.CharField(allow_null=True, help_text="„Meinten Sie …?“-Vorschlag")
    notice = serializers.CharField(help_text="Hinweis, wenn die Anfrage gekürzt wurde (sonst leer)")


def _many(help_text):
    return serializers.ListField(child=serializers.CharField(), required=False, help_text=help_text)


class SearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, default="", help_text="Suchbegriffe, auch Fragen oder englische Begriffe"
    )
    page_size = serializers.IntegerField(
        required=False, default=10, help_text="Treffer je Seite (1–50)"
    )
    seite = serializers.IntegerField(required=False, default=1, help_text="Seite, ab 1")
    sortierung = serializers.CharField(
        required=False,
        default="relevanz",
        help_text="relevanz, neu, groesse, beginn oder dokumentiert",
    )
    thema = _many("Themen-slug, mehrfach möglich")
    land = _many("Länderkürzel (NI, NW, …), mehrfach möglich")
    groesse = _many("Stadtgrößenklasse, mehrfach möglich")
    status = _many("geplant, laufend, verstetigt, beendet")
    foerderung = _many("Förderprogramm-ID, mehrfach möglich")
    zeitraum = _many("bis-2014, 2015-2019, 2020-2022, ab-2023")
    art = _many("case, guide, glossary, event")


class SuggestionSerializer(serializers.Serializer):
    label = serializers.CharField()
    kind = serializers.CharField()
    url = serializers.CharField()


class AutocompleteSerializer(serializers.Serializer):
    suggestions = SuggestionSerializer(many=True)


class AutocompleteParamsSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, default="", help_text="Die ersten Buchstaben")


def _result(request, hit):
    return {
        "slug": hit.page.slug,
        "title": hit.page.title,
        "url": absolute_url(hit.page.url, request),
        "kind": hit.kind,
        "summary": hit.summary,
        "towns": hit.towns,
        "state": hit.state_names[0] if hit.state_names else "",
        "states": hit.state_names,
        "themes": hit.themes,
        "highlight": hit.highlight,
        "score": hit.score,
    }


class SearchView(PublicAPIView):
    @extend_schema(
        operation_id="search_cases",
        summary="Fälle suchen",
        description="Dieselbe Suche wie die Suchseite: deutsche Wortformen, Komposita, "
        "Tippfehler, Synonyme; Facetten kombinieren sich mit der Anfrage und untereinander. "
        "Ungültige Parameter ergeben 400 mit einer Meldung in `detail`.",
        parameters=[SearchParamsSerializer],
        responses={
            200: SearchResultsSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Ungültiger Parameter"),
        },
    )
    def get(self, request):
        try:
            search_request = request_from_params(request.GET, page_size_param="page_size")
            response = engine.search(search_request, log=request.method == "GET")
        except SearchError as error:
            return Response({"detail": str(error)}, status=400)
        body = {
            "count": response.count,
            "page": search_request.page,
            "page_size": search_request.page_size,
            "num_pages": response.num_pages,
            "results": [_result(request, hit) for hit in response.results],
            "facets": {
                name: [value.__dict__ for value in values]
                for name, values in response.facets.items()
            },
            "suggestion": response.suggestion,
            "notice": response.notice,
        }
        return Response(body)

    def finalize_response(self, request, response, *args, **kwargs):
        # The answer depends on the query string: no cache may keep it.
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class AutocompleteView(PublicAPIView):
    @extend_schema(
        operation_id="autocomplete",
        summary="Vorschläge beim Tippen",
        parameters=[AutocompleteParamsSerializer],
        responses={200: AutocompleteSerializer},
    )
    def get(self, request):
        suggestions = engine.autocomplete(request.GET.get("q", ""))
        return Response(
            {"suggestions": [{"label": s.label, "kind": s.kind, "url": s.url} for s in suggestions]}
        )


class SearchStatusSerializer(serializers.Serializer):
    ready = serializers.BooleanField(help_text="Ob dieser Worker Suchen jetzt beantwortet")
    retry_after = serializers.IntegerField(
        help_text="Sekunden bis zur nächsten Nachfrage (0: bereit)"
    )


class SearchStatusView(PublicAPIView):
    """Whether the worker that answers would answer a search now, always with 200: a
    readiness probe (a load balancer, the benchmarks' start) that neither gets nor logs the
    503 a search gets while the worker's first search state is built."""

    @extend_schema(
        operation_id="search_status",
        summary="Ist die Suche bereit?",
        description="Beim Start eines Workers wird die Suche vorbereitet; bis dahin antwortet "
        "die Suche mit 503. Hier immer 200, mit `ready` und `retry_after`.",
        responses={200: SearchStatusSerializer},
    )
    def get(self, request):
        try:
            if not engine_server.configured():  # a search server needs no state here
                engine.snapshot()  # as a search would: waits briefly, never for the build
        except SearchNotReady as not_ready:
            body = {"ready": False, "retry_after": not_ready.retry_after}
        else:
            body = {"ready": True, "retry_after": 0}
        response = Response(body)
        add_never_cache_headers(response)
        return response


app_name = "praxis-api"
urlpatterns = [
    path("search/", SearchView.as_view(), name="search_cases"),
    path("search/status/", SearchStatusView.as_view(), name="search_status"),
    path("autocomplete/", AutocompleteView.as_view(), name="autocomplete"),
]
