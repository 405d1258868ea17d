"""Transfer facts at a glance: what a town needs to copy a case (budget, costs, staff, time,
council decisions, funding rate), the same on the case page, every card, the compare view
and the handout. A fact an editor has not filled in is shown as "nicht angegeben", never
left out, so readers can tell a missing fact from a fact that does not apply.

The duration class (a facet) is derived from the editor's free text ("etwa eineinhalb
Jahre", "drei bis sechs Monate"), as the size class is derived from the population: the
longest span the text names decides. Text without a span ("Jahreszyklus") stays unclassed.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# Number words as they occur in German duration texts ("ein bis zwei Jahre", "eineinhalb
# Jahre", "einem Jahr"); digits are read as they are.
_NUMBER_WORDS = {
    "ein": 1,
    "eine": 1,
    "einem": 1,
    "einen": 1,
    "einer": 1,
    "eineinhalb": 1.5,
    "anderthalb": 1.5,
    "zwei": 2,
    "zweieinhalb": 2.5,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "sechs": 6,
    "sieben": 7,
    "acht": 8,
    "neun": 9,
    "zehn": 10,
    "elf": 11,
    "zwölf": 12,
    "achtzehn": 18,
    "halbes": 0.5,
}
_NUMBER = r"\b(\d+(?:[.,]\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_SPAN = re.compile(
    _NUMBER + r"(?:\s*(?:bis|-|–)\s*" + _NUMBER + r")?\s+(monat|jahr|woche)", re.IGNORECASE
)
_UNIT_MONTHS = {"monat": 1, "jahr": 12, "woche": 12 / 52}


def _number(word):
    word = word.lower()
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    return float(word.replace(",", "."))


def duration_months(text):
    """The longest span a duration text names, in months, or None."""
    longest = None
    for match in _SPAN.finditer(text or ""):
        low, high, unit = match.groups()
        months = _number(high or low) * _UNIT_MONTHS[unit.lower()]
        longest = months if longest is None else max(longest, months)
    return longest


def duration_class_for(text):
    """The DurationClass value for a duration text ("" where the text names no span)."""
    # casestudies.models imports this module at its top.
    from .models import DurationClass

    months = duration_months(text)
    if months is None:
        return ""
    if months <= 12:
        return DurationClass.UP_TO_1Y
    if months <= 24:
        return DurationClass.UP_TO_2Y
    if months <= 48:
        return DurationClass.UP_TO_4Y
    return DurationClass.LONGER


@dataclass(frozen=True)
class Fact:
    name: str
    label: str
    value: str  # "" where not given

    @property
    def given(self):
        return bool(self.value)


# Field of CasePage -> label, in the order of the fact box.
FIELDS = (
    ("transfer_budget_range", _("Budgetrahmen")),
    ("transfer_budget", _("Kosten")),
    ("transfer_funding_rate", _("Förderquote")),
    ("transfer_staff", _("Personal")),
    ("transfer_duration", _("Zeitbedarf")),
    ("transfer_decisions", _("Ratsbeschlüsse")),
)
# What a listing must load for the facts (CasePage.with_listing_data, the search cards).
FIELD_NAMES = tuple(name for name, _label in FIELDS)


def transfer_facts(values):
    """The transfer facts of a case, from the case itself or a dict of its field values."""
    # casestudies.models imports this module at its top.
    from .models import BudgetRange

    def get(name):
        value = values.get(name) if isinstance(values, dict) else getattr(values, name)
        return (value or "").strip()

    facts = []
    for name, label in FIELDS:
        value = get(name)
        if name == "transfer_budget_range" and value:
            value = str(BudgetRange(value).label) if value in BudgetRange.values else value
        facts.append(Fact(name, label, value))
    return facts


def transfer_facts_by_page(page_ids):
    """{page id: transfer facts} for case pages, in one query (search cards)."""
    # casestudies.models imports this module at its top.
    from .models import CasePage

    rows = CasePage.objects.filter(pk__in=list(page_ids)).values("pk", *FIELD_NAMES)
    return {row["pk"]: transfer_facts(row) for row in rows}


def attach_transfer_facts(hits):
    """Give the case hits of a search (search.engine.Hit) their transfer facts for the
    cards, in one query."""
    case_hits = [hit for hit in hits if hit.kind == "case"]
    if not case_hits:
        return hits
    by_page = transfer_facts_by_page(hit.page.id for hit in case_hits)
    for hit in case_hits:
        hit.transfer_facts = by_page.get(hit.page.id)
    return hits
