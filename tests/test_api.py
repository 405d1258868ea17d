"""The API as one framework (Django REST framework, core/api.py): the generated OpenAPI
document describes what the endpoints really answer, the Swagger UI runs from the site's own
files under its CSP, and every public JSON endpoint answers any client the same way."""

import re

import pytest

from partners import codebook
from search.models import SearchQueryStat

pytestmark = pytest.mark.django_db


def _schema(document, name):
    return document["components"]["schemas"][name]


def test_one_generated_document_at_both_addresses(client):
    document = client.get("/api/openapi.json").json()
    assert client.get("/api/v2/openapi.json").json() == document
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "Praxisatlas Kleinstadt API"
    expected = {
        "/api/search/",
        "/api/autocomplete/",
        "/api/v2/faelle/",
        "/api/v2/faelle/{id}/",
        "/api/v2/pages/",
        "/export/faelle.csv",
        "/export/faelle.json",
        "/export/faelle.xlsx",
        "/export/codebuch.json",
        "/feeds/faelle/rss/",
        "/feeds/faelle/atom/",
        "/oembed/",
    }
    assert expected <= set(document["paths"])
    # Only the public API: not the Wagtail admin's own DRF endpoints, not the document itself.
    assert not [path for path in document["paths"] if path.startswith(("/admin/", "/api/docs"))]
    assert "/api/openapi.json" not in document["paths"]
    # Each operation has a German summary and a unique id.
    operations = [op for item in document["paths"].values() for op in item.values()]
    assert all(op.get("summary") for op in operations)
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))


def test_document_matches_the_search_answer(client):
    document = client.get("/api/openapi.json").json()
    answer = client.get("/api/search/", {"q": "Bürgerrat", "page_size": 3}).json()
    assert set(answer) == set(_schema(document, "SearchResults")["properties"])
    assert set(answer["results"][0]) == set(_schema(document, "Result")["properties"])
    facet_value = next(iter(answer["facets"].values()))[0]
    assert set(facet_value) == set(_schema(document, "FacetValue")["properties"])
    parameters = {p["name"] for p in document["paths"]["/api/search/"]["get"]["parameters"]}
    assert {"q", "page_size", "seite", "sortierung", "thema", "land", "art"} <= parameters
    responses = document["paths"]["/api/search/"]["get"]["responses"]
    assert set(responses) == {"200", "400"}


def test_document_matches_the_case_api_and_export(client):
    document = client.get("/api/openapi.json").json()
    assert list(_schema(document, "Case")["properties"]) == codebook.FIELD_NAMES
    item = client.get("/api/v2/faelle/", {"limit": 1}).json()["items"][0]
    assert set(item) == set(_schema(document, "ApiCase")["properties"])
    export = client.get("/export/faelle.json", {"q": "Bürgerrat"}).json()
    assert set(export) == set(_schema(document, "Export")["properties"])
    csv = document["paths"]["/export/faelle.csv"]["get"]["responses"]
    assert "text/csv" in csv["200"]["content"]
    assert "text/plain" in csv["400"]["content"]


def test_swagger_ui_is_served_from_local_files_without_inline_code(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert "<style" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert all(src.startswith("/") for src in sources)
    init = client.get(sources[-1].replace("&amp;", "&"))
    assert init.status_code == 200
    assert "javascript" in init["Content-Type"]
    assert "/api/openapi.json" in init.content.decode()
    assert client.get(re.search(r'href="([^"]+swagger-ui\.css)"', html).group(1)).status_code in (
        200,
        304,
    )


@pytest.mark.parametrize("path", ["/api/search/?q=Wohnen", "/api/autocomplete/?q=Wohn"])
def test_public_json_for_every_client(client, path):
    # A browser asking for HTML and a client with a stray Authorization header get the same
    # JSON as anyone else, not a 406 or a 401.
    for headers in ({"HTTP_ACCEPT": "text/html"}, {"HTTP_AUTHORIZATION": "Basic eDp5"}):
        response = client.get(path, **headers)
        assert response.status_code == 200, headers
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response.json()
    assert client.post(path).status_code == 405
    assert client.put(path).status_code == 405


def test_head_is_answered_and_not_counted_as_a_search(client):
    before = SearchQueryStat.objects.count()
    response = client.head("/api/search/", {"q": "Leerstandsmanagement"})
    assert response.status_code == 200
    assert response.content == b""
    assert "no-cache" in response["Cache-Control"]
    assert SearchQueryStat.objects.count() == before


def test_errors_keep_their_shape(client):
    for params in ({"page_size": "abc"}, {"seite": "x"}, {"thema": "gibtesnicht"}):
        response = client.get("/api/search/", {"q": "Wohnen", **params})
        assert response.status_code == 400, params
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert list(response.json()) == ["detail"]
        assert response.json()["detail"]
