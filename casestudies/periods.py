"""Project periods: the structured form ("2021–2023", "seit 2019", "05/2021–06/2023",
"bis 2022") and the reading of what partners write ("seit 2016/17", "Planung ab 2019/20,
Bau 2022", "Frühjahr 2019 bis Herbst 2020", "Stand: Bericht 2016", ...).

``parse_period`` reads only the structured form (the admin field, stored values);
``read_period`` reads free text as the importer gets it and never refuses a text without a
year: the wording is kept as a note. The rules are listed in the README (Import, Zeitraum).
"""

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
_UNTIL = re.compile(r"^\s*bis\s+" + _POINT.format("e") + r"\s*$", re.IGNORECASE)
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
            return f"bis {point(self.end_year, self.end_month)}" if self.end_year else ""
        start = point(self.start_year, self.start_month)
        if self.open_ended:
            return f"seit {start}"
        if self.end_year is None or (
            self.end_year == self.start_year and self.end_month == self.start_month
        ):
            return start
        return f"{start}–{point(self.end_year, self.end_month)}"


class PeriodOrderError(ValidationError):
    """The period is readable but ends before it begins: an error even in free text."""


def _check_order(period, text):
    if period.start_year is None or period.end_year is None:
        return
    if (period.end_year, period.end_month or 12) < (period.start_year, period.start_month or 1):
        raise PeriodOrderError(
            _("Der Zeitraum „%(text)s“ endet vor seinem Beginn."), params={"text": text}
        )


def parse_period(text):
    """Return a Period for the structured text; raise ValidationError if it cannot be read."""
    if text is None or not str(text).strip():
        return Period()
    text = str(text)
    if match := _UNTIL.match(text):
        month = match.group("em")
        return Period(end_year=int(match.group("ey")), end_month=int(month) if month else None)
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
        period = Period(start_year, start_month, end_year, end_month, False)
        _check_order(period, text)
        return period
    raise ValidationError(
        _(
            "Der Zeitraum „%(text)s“ ist nicht lesbar. Erlaubt sind z. B. „2021-2023“, "
            "„seit 2019“, „bis 2022“, „05/2021-06/2023“ oder „2024“; freie Angaben gehören "
            "in „Zeitraum laut Quelle“."
        ),
        params={"text": text},
    )


def store_period(page):
    """Derive the structured period fields of a case from its ``period`` text."""
    period = parse_period(page.period)
    page.period = str(period)
    page.period_start_year = period.start_year
    page.period_start_month = period.start_month
    page.period_end_year = None if period.open_ended else period.end_year
    page.period_end_month = None if period.open_ended else period.end_month
    page.period_open = period.open_ended


# Reading free text ----------------------------------------------------------------------------

MONTHS = {
    "januar": 1,
    "jan": 1,
    "jänner": 1,
    "februar": 2,
    "feb": 2,
    "märz": 3,
    "maerz": 3,
    "mär": 3,
    "april": 4,
    "apr": 4,
    "mai": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "dezember": 12,
    "dez": 12,
}
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
# One point in time: an optional month (name or number) and a year, the year possibly
# written as a season or school year ("2016/17", "2019/2020") or a short range ("2021-23").
_TOKEN = re.compile(
    rf"(?:(?P<mname>\b(?:{_MONTH_NAMES}))\.?\s+|(?<!\d)(?P<mnum>0?[1-9]|1[0-2])\s*[./]\s*)?"
    r"(?<!\d)(?P<year>(?:19|20)\d\d)(?!\d)"
    r"(?:\s*(?P<sep>[/–—-])\s*(?P<short>\d\d)(?![\d.]))?",
    re.IGNORECASE,
)
# "Stand: Bericht 2016", "Angaben von 2019": the year of a source, not of the project.
_AS_OF = re.compile(
    r"\b(?:stand|bericht|angaben?|auskunft|quelle)\b[^0-9]{0,25}?(?:(?:19|20)\d\d)",
    re.IGNORECASE,
)
# Words that say a project is still going on after its last year.
_OPEN_AFTER = re.compile(
    r"\b(?:seither|dauerhaft|fortlaufend|laufend|unbefristet|weiterhin|bis\s+heute|"
    r"heute|offen|fortgesetzt|verstetigt|seitdem|regelbetrieb|dauerbetrieb)\b",
    re.IGNORECASE,
)
# Words that qualify a point without changing its year.
_QUALIFIERS = re.compile(
    r"\b(?:frühjahr|frühling|sommer|herbst|winter|anfang|mitte|ende|beginn|ca\.?|etwa|"
    r"ungefähr|jahr|jahren|im|zum|zur|dem|den|der)\b",
    re.IGNORECASE,
)


_DASHES = re.compile(r"\s*[-–—]\s*")


@dataclass
class PeriodReading:
    period: Period
    note: str  # the original wording when it says more than the structured form
    warning: str = ""


@dataclass
class _Point:
    first: int
    last: int
    month: int | None
    before: str  # the text between the previous point (or the start) and this one


def _points(text):
    points, position = [], 0
    for match in _TOKEN.finditer(text):
        year = int(match.group("year"))
        last = year
        if match.group("short"):
            short = int(match.group("short"))
            candidate = year // 100 * 100 + short
            # "2016/17" and "2021-23" end later; "2021-05" is a month, not a year.
            if candidate > year:
                last = candidate
        month = None
        if match.group("mname"):
            month = MONTHS[match.group("mname").lower()]
        elif match.group("mnum"):
            month = int(match.group("mnum"))
        points.append(_Point(year, last, month, text[position : match.start()]))
        position = match.end()
    return points, text[position:]


def _bare(text):
    return " ".join(_QUALIFIERS.sub(" ", text).split()).strip(" ,;:()").lower()


def read_period(text):
    """Read a period as partners write it. Raises ValidationError only for a range that
    ends before it begins; a text without a readable year gives an empty period, the text as
    the note and a warning."""
    text = " ".join(str(text or "").split())
    if not text:
        return PeriodReading(Period(), "")
    try:
        period = parse_period(text)
    except PeriodOrderError:
        raise
    except ValidationError:
        pass
    else:
        return PeriodReading(period, "" if str(period) == _DASHES.sub("–", text) else text)
    points, tail = _points(_AS_OF.sub(" ", text))
    if not points:
        as_of = _AS_OF.search(text)
        warning = (
            _("Zeitraum „%(text)s“ nennt nur den Stand der Angabe, keinen Projektzeitraum")
            if as_of
            else _("Zeitraum „%(text)s“ enthält keine Jahreszahl")
        ) % {"text": text}
        return PeriodReading(Period(), text, str(warning) + str(_(": nur als Notiz übernommen")))
    for previous, point in zip(points, points[1:], strict=False):
        reversed_range = (point.last, point.month or 12) < (previous.first, previous.month or 1)
        if _bare(point.before) in ("-", "–", "—", "bis") and reversed_range:
            raise PeriodOrderError(
                _("Der Zeitraum „%(text)s“ endet vor seinem Beginn."), params={"text": text}
            )
    last = points[-1]
    lead = _bare(last.before)
    open_ended = bool(_OPEN_AFTER.search(tail)) or lead.endswith(("seit", "ab"))
    if len(points) == 1 and lead.endswith("bis") and not open_ended:
        period = Period(end_year=last.last, end_month=last.month)
    else:
        start = min(points, key=lambda p: (p.first, p.month or 0))
        if open_ended:
            period = Period(start.first, start.month, open_ended=True)
        else:
            end = max(points, key=lambda p: (p.last, p.month or 0))
            end_month = end.month if end.last == end.first else None
            period = Period(start.first, start.month, end.last, end_month)
    _check_order(period, text)
    return PeriodReading(period, text if str(period) != text else "")
