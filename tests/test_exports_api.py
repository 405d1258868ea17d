"""Exports that open in German Excel (CSV with ";" and BOM, XLSX), the API's absolute URLs
at the requested host, the /api/v2/ index, and HEAD wherever GET works."""

import csv
import io
import json

import openpyxl
import pytest

from casestudies.models import CasePage
from partners import codebook

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
            assert cell == codebook.csv_cell(field, record[field.name])
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


def test_cells_keep_numbers_and_plain_text():
    fields = {field.type: field for field in codebook.FIELDS}
    assert codebook.csv_cell(fields["integer"], -12) == "-12"
    assert codebook.csv_cell(fields["string"], "+49 30 1234") == "'+49 30 1234"
    assert codebook.csv_cell(fields["string"], "Wohnen") == "Wohnen"
    assert codebook.csv_cell(fields["string"], None) == ""
