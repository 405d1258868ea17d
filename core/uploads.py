"""Limits on uploaded files, checked while reading, before anything large is unpacked.

A 99 KB Excel file can hold one shared string of 100 million characters, a ZIP file members
that unpack to gigabytes; JSON can nest deeper than the parser's recursion limit or carry
numbers Python refuses to convert. Each is refused here with a message, in well under a
second and without unpacking: the sizes come from the ZIP directory.
"""

import io
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

# Unpacked size of all members together, and the highest compression ratio of one member
# (real spreadsheets and library exports stay far below 100).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_MEMBERS = 1000
# The length of one cell (as in CSV: Python's csv module refuses longer fields).
MAX_CELL_CHARS = 131_072


class LimitExceeded(ValueError):
    """The file is over a limit; the message is meant for the user."""


def max_unpacked_bytes():
    return getattr(settings, "TRANSFER_MAX_UNPACKED_BYTES", MAX_UNPACKED_BYTES)


def check_archive(data):
    """Refuse a ZIP file (an .xlsx is one) whose members would unpack too large."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return  # not an archive: the reader says what is wrong with it
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise LimitExceeded(
                _("Die Datei enthält %(n)d Teile; höchstens %(max)d.")
                % {"n": len(members), "max": MAX_MEMBERS}
            )
        total = 0
        for member in members:
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > MAX_COMPRESSION_RATIO and member.file_size > 1024 * 1024:
                raise LimitExceeded(
                    _(
                        "„%(name)s“ in der Datei ist ungewöhnlich stark komprimiert "
                        "(%(ratio)d:1); solche Dateien werden nicht entpackt."
                    )
                    % {"name": member.filename[:80], "ratio": ratio}
                )
        if total > max_unpacked_bytes():
            raise LimitExceeded(
                _("Die Datei wäre entpackt %(mb)d MB groß; höchstens %(max)d MB.")
                % {"mb": total // 1024 // 1024, "max": max_unpacked_bytes() // 1024 // 1024}
            )


def check_cell(value, where):
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        raise LimitExceeded(
            _("%(where)s: ein Feld hat %(n)d Zeichen; höchstens %(max)d.")
            % {"where": where, "n": len(value), "max": MAX_CELL_CHARS}
        )


def check_record_count(count):
    limit = getattr(settings, "TRANSFER_MAX_RECORDS", 5000)
    if count > limit:
        raise LimitExceeded(
            _("Die Datei enthält mehr als %(max)d Fälle; höchstens %(max)d je Datei.")
            % {"max": limit}
        )


def _refuse_constant(name):
    raise LimitExceeded(_("„%s“ ist keine Zahl, die importiert werden kann.") % name)


def _float(text):
    value = float(text)
    if value in (float("inf"), float("-inf")):
        _refuse_constant(text[:20])
    return value


def _int(text):
    if len(text) > 30:
        raise LimitExceeded(_("Eine Zahl in der Datei hat %d Stellen; zu lang.") % len(text))
    return int(text)


def loads_json(text, json_module):
    """``json.loads`` without NaN/Infinity, numbers too large, or nesting too deep."""
    try:
        return json_module.loads(
            text, parse_constant=_refuse_constant, parse_float=_float, parse_int=_int
        )
    except RecursionError:
        raise LimitExceeded(_("Die JSON-Datei ist zu tief verschachtelt.")) from None
