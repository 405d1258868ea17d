"""Exports that open in German Excel (CSV with ";" and BOM, XLSX), the API's absolute URLs
at the requested host, the /api/v2/ index, and HEAD wherever GET works."""

import csv
import io
import json

import openpyxl
import pytest

from casestudies.models import CasePage
from partners import codebook
from partners.spreadsheet import safe_cell
from search.models import SearchClickStat, SearchEntry, SearchQueryStat

pytestmark = pytest.mark.django_db

WOHNEN = {"thema": "wohnen"}
HOST = "praxisatlas.example"
CASE = "istag-muensterland-wohnungsbaugesellschaft"


def exported_records(client, params):
    return json.loads(client.get("/export/faelle.json", params).content)["cases"]


# ---------------------------------------------------------------------------------------------
# CSV for German Excel
# ---------------------------------------------------------------------------------------------


def test_excel_csv_has_semicolons_bom_and_the_same_rows(client, demo_site):
    response = client.get("/export/faelle.csv", {**WOHNEN, "format": "excel"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "-excel.csv" in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8")[1:]
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == codebook.FIELD_NAMES
    records = exported_records(client, WOHNEN)
    assert len(rows) - 1 == len(records) > 0
    for row, record in zip(rows[1:], records, strict=True):
        for field, cell in zip(codebook.FIELDS, row, strict=True):
            assert cell == safe_cell(codebook.csv_cell(field, record[field.name]))
    # Umlauts survive (the BOM makes Excel read UTF-8).
    assert any("ü" in cell or "ä" in cell or "ö" in cell for row in rows[1:] for cell in row)


def test_machine_csv_keeps_commas(client, demo_site):
    text = client.get("/export/faelle.csv", WOHNEN).content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header == codebook.FIELD_NAMES


def test_unknown_csv_format_is_400(client):
    response = client.get("/export/faelle.csv", {"format": "lotus"})
    assert response.status_code == 400
    assert "format" in response.content.decode()


def test_export_page_offers_every_format(client, demo_site):
    text = client.get("/export/codebuch/").content.decode()
    for href in (
        "/export/faelle.xlsx",
        "/export/faelle.csv?format=excel",
        'href="/export/faelle.csv"',
        "/export/faelle.json",
        'href="/api/v2/"',
    ):
        assert href in text, href
    library = client.get(demo_site.library.url, {"thema": "wohnen", "land": "NW"}).content
    assert b"/export/faelle.xlsx?thema=wohnen&amp;land=NW" in library
    assert b"/export/faelle.csv?thema=wohnen&amp;land=NW&amp;format=excel" in library


# ---------------------------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------------------------


def open_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def test_xlsx_of_a_filtered_list(client, demo_site, django_assert_max_num_queries):
    params = {"thema": "wohnen", "land": "NW"}
    with django_assert_max_num_queries(30):
        response = client.get("/export/faelle.xlsx", params)
    sheet = open_xlsx(response)
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == codebook.FIELD_NAMES
    records = exported_records(client, params)
    assert [row[codebook.FIELD_NAMES.index("slug")] for row in rows[1:]] == [
        record["slug"] for record in records
    ]
    istag = next(row for row in rows[1:] if row[codebook.FIELD_NAMES.index("slug")] == CASE)
    record = next(record for record in records if record["slug"] == CASE)
    assert istag[codebook.FIELD_NAMES.index("id")] == record["id"]  # a number, not text
    assert isinstance(istag[codebook.FIELD_NAMES.index("id")], int)
    assert "Wohnen" in istag[codebook.FIELD_NAMES.index("themes")].split("; ")
    assert json.loads(istag[codebook.FIELD_NAMES.index("towns")])[0]["state"] == "NW"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref


def test_xlsx_and_csv_never_carry_a_formula(client, demo_site):
    case = demo_site.case(CASE)
    CasePage.objects.filter(pk=case.pk).update(
        title='=HYPERLINK("http://evil.example","Klick")', summary="@SUM(1+1)\x07"
    )
    sheet = open_xlsx(client.get("/export/faelle.xlsx", {"thema": "wohnen", "land": "NW"}))
    title_column = codebook.FIELD_NAMES.index("title") + 1
    slug_column = codebook.FIELD_NAMES.index("slug") + 1
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, slug_column).value == CASE)
    cell = sheet.cell(row, title_column)
    assert cell.data_type == "s"
    assert cell.value == '\'=HYPERLINK("http://evil.example","Klick")'
    summary = sheet.cell(row, codebook.FIELD_NAMES.index("summary") + 1).value
    assert summary == "'@SUM(1+1)"  # escaped; the control character dropped

    text = client.get("/export/faelle.csv", {"thema": "wohnen", "format": "excel"}).content
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"), newline=""), delimiter=";"))
    titles = [row[codebook.FIELD_NAMES.index("title")] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example","Klick")' in titles


def test_safe_cell_keeps_numbers_and_plain_text():
    assert safe_cell("-12.5") == "-12.5"
    assert safe_cell("+49 30 1234") == "'+49 30 1234"
    assert safe_cell("Wohnen") == "Wohnen"
    assert safe_cell("") == ""


def test_xlsx_bad_filter_is_400(client):
    assert client.get("/export/faelle.xlsx", {"land": "XX"}).status_code == 400


# ---------------------------------------------------------------------------------------------
# API: absolute URLs at the requested host, the index
# ---------------------------------------------------------------------------------------------


def test_api_urls_use_the_requested_host(client, demo_site, settings):
    settings.ALLOWED_HOSTS = [HOST]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    headers = {"HTTP_HOST": HOST, "HTTP_X_FORWARDED_PROTO": "https"}
    case = demo_site.case(CASE)
    listing = client.get("/api/v2/faelle/", {"slug": CASE}, **headers).json()
    meta = listing["items"][0]["meta"]
    assert meta["detail_url"] == f"https://{HOST}/api/v2/faelle/{case.pk}/"
    assert meta["html_url"] == f"https://{HOST}{case.url}"

    pages = client.get("/api/v2/pages/", {"slug": CASE}, **headers).json()
    assert pages["items"][0]["meta"]["html_url"] == f"https://{HOST}{case.url}"
    detail = client.get(f"/api/v2/pages/{case.pk}/", **headers).json()
    assert detail["meta"]["html_url"] == f"https://{HOST}{case.url}"
    parent = detail["meta"]["parent"]["meta"]
    assert parent["html_url"] == f"https://{HOST}{demo_site.library.url}"
    assert parent["detail_url"].startswith(f"https://{HOST}/api/v2/")
    assert "localhost" not in json.dumps(detail)


def test_api_index_lists_the_endpoints(client, demo_site):
    response = client.get("/api/v2/")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["endpoints"]["faelle"] == "http://testserver/api/v2/faelle/"
    links = [
        body["documentation"],
        body["codebook"],
        *body["endpoints"].values(),
        *body["exports"].values(),
        *body["feeds"].values(),
        body["search"] + "?q=Wohnen",
    ]
    for link in links:
        assert link.startswith("http://testserver/")
        assert client.get(link.removeprefix("http://testserver")).status_code == 200, link
    assert client.get("/api/v2/gibt-es-nicht/").status_code == 404


# ---------------------------------------------------------------------------------------------
# HEAD wherever GET works
# ---------------------------------------------------------------------------------------------

HEAD_PATHS = [
    "/export/faelle.csv?thema=wohnen",
    "/export/faelle.csv?format=excel",
    "/export/faelle.xlsx?thema=wohnen",
    "/export/faelle.json?thema=wohnen",
    "/export/codebuch/",
    "/export/codebuch.json",
    "/oembed/?url=http://testserver/faelle/",
    f"/einbetten/fall/{CASE}/",
    f"/einbetten/fall/{CASE}/karte/",
    "/einbetten/faelle/?thema=wohnen",
    "/feeds/faelle/rss/",
    "/api/search/?q=Wohnen",
    "/api/autocomplete/?q=Woh",
    "/api/v2/",
    "/api/v2/faelle/?limit=2",
    "/api/v2/openapi.json",
    "/suche/?q=Wohnen",
    "/orte-wie-meiner/?einwohner=8000&land=NI",
    "/fall-vorschlagen/",
]


@pytest.mark.parametrize("path", HEAD_PATHS)
def test_head_answers_like_get(client, demo_site, path):
    get = client.get(path)
    head = client.head(path)
    assert get.status_code == 200
    assert head.status_code == 200, head.content[:200]
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]


def test_head_is_no_search_and_no_click(client, demo_site):
    def counts():
        return SearchQueryStat.objects.count(), SearchClickStat.objects.count()

    before = counts()
    client.head("/suche/", {"q": "Leerstand"})
    client.head("/api/search/", {"q": "Leerstand"})
    entry = SearchEntry.objects.first()
    assert client.head(f"/suche/klick/{entry.pk}/", {"q": "Leerstand", "pos": 1}).status_code == 302
    assert counts() == before
    client.get("/api/search/", {"q": "Leerstand"})
    assert counts()[0] == before[0] + 1
