"""CSV cells a spreadsheet program will not run: the OWASP rule against formula injection.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as
a formula by Excel and LibreOffice (``=HYPERLINK(...)``, ``-2+3+cmd|...``). Such a cell gets a
leading apostrophe, which the spreadsheet shows as text and does not display. Numbers, dates and
empty cells stay as they are, so a negative number is still a number.

Every CSV writer of the site calls :func:`escape_cell` / :func:`escape_row` on its cells; admin
listings export through :class:`FormulaSafeExportMixin`.
"""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _looks_escaped(value):
    # A lone "-" (Wagtail's placeholder for an empty value) is no formula.
    rest = value.lstrip("'")
    return rest.startswith(FORMULA_PREFIXES) and len(rest) > 1


def escape_cell(value):
    """The cell as a spreadsheet must read it: text starting like a formula is escaped. Text
    that already starts with apostrophes before such a character gets one more, so
    :func:`unescape_cell` gives back exactly what was written (the library's round trip)."""
    if isinstance(value, str) and _looks_escaped(value):
        return "'" + value
    return value


def unescape_cell(value):
    """The original text of a cell written by :func:`escape_cell` (for reading our own
    exports back in)."""
    if isinstance(value, str) and value.startswith("'") and _looks_escaped(value[1:]):
        return value[1:]
    return value


def escape_row(values):
    """A list of cells (``csv.writer``) or a dict of them (``csv.DictWriter``), escaped."""
    if isinstance(values, dict):
        return {key: escape_cell(value) for key, value in values.items()}
    return [escape_cell(value) for value in values]


class FormulaSafeExportMixin:
    """For Wagtail listing views with spreadsheet export (``SpreadsheetExportMixin``: snippet
    and ModelAdmin index views): every CSV cell passes :func:`escape_cell`. XLSX needs
    nothing: Wagtail writes formula-like cells as text there."""

    def write_csv_row(self, writer, row_dict):
        return writer.writerow(
            escape_row(
                {
                    field: self.preprocess_field_value(field, value, self.FORMAT_CSV)
                    for field, value in row_dict.items()
                }
            )
        )
