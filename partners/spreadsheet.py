"""CSV and XLSX files of the export, one row per case, columns as in the codebook.

Two CSV dialects: ``machine`` (comma, for scripts; the default of /export/faelle.csv) and
``excel`` (semicolon, UTF-8 BOM, CRLF: what Excel with German regional settings opens
correctly by double-click; with a comma it puts everything into column A, without the BOM it
reads UTF-8 as Windows-1252); both start with the BOM. XLSX needs no dialect.

Every text cell is written by ``codebook.csv_cell``, which escapes text that a spreadsheet
would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR at the start) with the project's
one OWASP rule (core.csvsafe); numbers stay numbers. XLSX text cells are additionally
stored with the string type, so even an unescaped ``=`` would be text, never a formula.
"""

import csv
import io
import re

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from . import codebook

DIALECTS = {
    # The BOM stays in the machine dialect too: the export has always had it, and Excel
    # outside Germany needs it to read UTF-8.
    "machine": {"delimiter": ",", "bom": True},
    "excel": {"delimiter": ";", "bom": True},
}
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
SHEET_TITLE = "Praxisfälle"
MAX_COLUMN_WIDTH = 60


def rows(cases, request):
    """The header and one list of cell values per case: integers as ``int``, everything
    else as text (lists joined, objects as JSON, as ``codebook.csv_cell`` writes them)."""
    yield list(codebook.FIELD_NAMES)
    for case in cases:
        data = codebook.record(case, request)
        row = []
        for field in codebook.FIELDS:
            value = data[field.name]
            if field.type == "integer" and isinstance(value, int):
                row.append(value)
            else:
                row.append(codebook.csv_cell(field, value))
        yield row


def csv_text(cases, request, dialect="machine"):
    options = DIALECTS[dialect]
    buffer = io.StringIO()
    if options["bom"]:
        buffer.write("\ufeff")  # Excel reads the file as UTF-8 only with the BOM
    writer = csv.writer(buffer, delimiter=options["delimiter"], lineterminator="\r\n")
    writer.writerows(rows(cases, request))
    return buffer.getvalue()


def xlsx_bytes(cases, request):
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    widths = {}
    for row_number, values in enumerate(rows(cases, request), start=1):
        for column, value in enumerate(values, start=1):
            if isinstance(value, str):
                # Control characters are not allowed in the XML of a worksheet.
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = sheet.cell(row=row_number, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula
            widths[column] = max(widths.get(column, 0), len(str(value)))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    if sheet.max_row > 1:
        sheet.auto_filter.ref = sheet.dimensions
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, MAX_COLUMN_WIDTH)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
