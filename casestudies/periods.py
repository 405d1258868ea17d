"""Parse and format project periods such as "2021-2023", "seit 2019" or "05/2021-06/2023"."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_POINT = r"(?:(?P<{0}m>0?[1-9]|1[0-2])[./])?(?P<{0}y>(?:19|20)\d\d)"
_RANGE = re.compile(
    r"^\s*" + _POINT.format("s") + r"\s*(?:[-–—]|bis)\s*" + _POINT.format("e") + r"\s*$",
    re.IGNORECASE,
)
_SINCE = re.compile(r"^\s*(?:seit|ab)\s+" + _POINT.format("s") + r"\s*$", re.IGNORECASE)
_SINGLE = re.compile(r"^\s*" + _POINT.format("s") + r"\s*$")


@dataclass(frozen=True)
class Period:
    start_year: int | None = None
    start_month: int | None = None
    end_year: int | None = None
    end_month: int | None = None
    open_ended: bool = False

    def __str__(self):
        def point(year, month):
            return f"{month:02d}/{year}" if month else str(year)

        if self.start_year is None:
            return ""
        start = point(self.start_year, self.start_month)
        if self.open_ended:
            return f"seit {start}"
        if self.end_year is None or (
            self.end_year == self.start_year and self.end_month == self.start_month
        ):
            return start
        return f"{start}–{point(self.end_year, self.end_month)}"


def parse_period(text):
    """Return a Period for the text; raise ValidationError if it cannot be read."""
    if text is None or not str(text).strip():
        return Period()
    text = str(text)
    for pattern, open_ended in ((_RANGE, False), (_SINCE, True), (_SINGLE, False)):
        match = pattern.match(text)
        if not match:
            continue
        groups = match.groupdict()
        start_year = int(groups["sy"])
        start_month = int(groups["sm"]) if groups.get("sm") else None
        if open_ended:
            return Period(start_year, start_month, None, None, True)
        if groups.get("ey"):
            end_year = int(groups["ey"])
            end_month = int(groups["em"]) if groups.get("em") else None
        else:
            end_year, end_month = start_year, start_month
        if (end_year, end_month or 12) < (start_year, start_month or 1):
            raise ValidationError(
                _("Der Zeitraum „%(text)s“ endet vor seinem Beginn."), params={"text": text}
            )
        return Period(start_year, start_month, end_year, end_month, False)
    raise ValidationError(
        _(
            "Der Zeitraum „%(text)s“ ist nicht lesbar. Erlaubt sind z. B. „2021-2023“, "
            "„seit 2019“, „05/2021-06/2023“ oder „2024“."
        ),
        params={"text": text},
    )
