"""The JSON search API. The same search module as the search page; documented as OpenAPI at
/api/openapi.json (browsable at /api/docs, served without third-party requests)."""

from django.http import HttpRequest
from django.utils.cache import add_never_cache_headers
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import ValidationError as NinjaValidationError

from . import engine
from .engine import SearchError
from .params import request_from_params

api = NinjaAPI(
    title="Praxisatlas Kleinstadt API",
    version="1",
    description=(
        "Suche in der Fallbibliothek des Praxisatlas Kleinstadt. Alle Antworten sind JSON; "
        "ungültige Parameter ergeben 400 mit einer Meldung in `detail`."
    ),
    urls_namespace="praxis-api",
)


class ErrorOut(Schema):
    detail: str = Field(..., description="Was an der Anfrage falsch ist (deutsch).")


class ResultOut(Schema):
    slug: str
    title: str
    url: str = Field(..., description="Absolute Adresse der Seite")
    kind: str = Field(..., description="case, guide, glossary oder event")
    summary: str
    towns: list[str]
    state: str = Field(..., description="Bundesland des ersten (federführenden) Orts, sonst leer")
    states: list[str] = Field(..., description="Alle Bundesländer des Falls")
    themes: list[str]
    highlight: str = Field(..., description="Kurzfassung als HTML, Treffer in <mark>")
    score: float


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class SearchOut(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    results: list[ResultOut]
    facets: dict[str, list[FacetValueOut]]
    suggestion: str | None = Field(None, description="„Meinten Sie …?“-Vorschlag")
    notice: str = Field("", description="Hinweis, wenn die Anfrage gekürzt wurde (sonst leer)")


class SearchParams(Schema):
    q: str = Field("", description="Suchbegriffe, auch Fragen oder englische Begriffe")
    page_size: int = Field(10, description="Treffer je Seite (1–50)")
    seite: int = Field(1, description="Seite, ab 1")
    sortierung: str = Field(
        "relevanz", description="relevanz, neu, groesse, beginn oder dokumentiert"
    )
    thema: list[str] = Field([], description="Themen-slug, mehrfach möglich")
    land: list[str] = Field([], description="Länderkürzel (NI, NW, …), mehrfach möglich")
    groesse: list[str] = Field([], description="Stadtgrößenklasse, mehrfach möglich")
    status: list[str] = Field([], description="geplant, laufend, verstetigt, beendet")
    foerderung: list[str] = Field([], description="Förderprogramm-ID, mehrfach möglich")
    zeitraum: list[str] = Field([], description="bis-2014, 2015-2019, 2020-2022, ab-2023")
    art: list[str] = Field([], description="case, guide, glossary, event")


class SuggestionOut(Schema):
    label: str
    kind: str
    url: str


class AutocompleteOut(Schema):
    suggestions: list[SuggestionOut]


@api.exception_handler(SearchError)
def search_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc):
    problems = []
    for error in exc.errors:
        location = ".".join(str(part) for part in error.get("loc", [])[1:]) or "?"
        problems.append(f"{location}: {error.get('msg', 'ungültig')}")
    return api.create_response(
        request, {"detail": "Ungültige Parameter – " + "; ".join(problems)}, status=400
    )


def _result(request, hit):
    return {
        "slug": hit.page.slug,
        "title": hit.page.title,
        "url": request.build_absolute_uri(hit.page.url),
        "kind": hit.kind,
        "summary": hit.summary,
        "towns": hit.towns,
        "state": hit.state_names[0] if hit.state_names else "",
        "states": hit.state_names,
        "themes": hit.themes,
        "highlight": hit.highlight,
        "score": hit.score,
    }


# GET and HEAD wherever there is GET: monitors and link checkers ask with HEAD.
SAFE_METHODS = ["GET", "HEAD"]


@api.api_operation(
    SAFE_METHODS,
    "/search/",
    response={200: SearchOut, 400: ErrorOut},
    summary="Fälle suchen",
    description="Dieselbe Suche wie die Suchseite: deutsche Wortformen, Komposita, "
    "Tippfehler, Synonyme; Facetten kombinieren sich mit der Anfrage und untereinander.",
)
def search_cases(request: HttpRequest, params: Query[SearchParams]):
    data = request.GET.copy()
    data.setdefault("page_size", str(params.page_size))
    search_request = request_from_params(data, page_size_param="page_size")
    response = engine.search(search_request, log=request.method == "GET")
    body = {
        "count": response.count,
        "page": search_request.page,
        "page_size": search_request.page_size,
        "num_pages": response.num_pages,
        "results": [_result(request, hit) for hit in response.results],
        "facets": {
            name: [value.__dict__ for value in values] for name, values in response.facets.items()
        },
        "suggestion": response.suggestion,
        "notice": response.notice,
    }
    result = api.create_response(request, body, status=200)
    add_never_cache_headers(result)
    return result


@api.api_operation(
    SAFE_METHODS, "/autocomplete/", response=AutocompleteOut, summary="Vorschläge beim Tippen"
)
def autocomplete(request: HttpRequest, q: str = ""):
    return {
        "suggestions": [
            {"label": s.label, "kind": s.kind, "url": s.url} for s in engine.autocomplete(q)
        ]
    }
