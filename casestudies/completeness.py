"""What a case needs before it may be published, and what would help others copy it.

Drafts may stay incomplete (Wagtail defers required fields when saving a draft); publishing
requires the core facts. The checks read a page instance, which may be a revision's object
with its towns and themes held in memory (modelcluster), or the values of an edit form.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

# Core facts: field name (as in the edit form) -> label.
CORE_FACTS = {
    "case_towns": _("mindestens ein Ort"),
    "themes": _("ein Thema"),
    "summary": _("Kurzfassung"),
    "period": _("Zeitraum"),
    "status": _("Status"),
}

# Optional transfer fields that help another town copy the case.
TRANSFER_HINTS = {
    "transfer_budget": _("Kosten"),
    "transfer_staff": _("Personal"),
    "transfer_duration": _("Zeitbedarf"),
    "transfer_decisions": _("Rechtliche Grundlagen und Ratsbeschlüsse"),
    "transfer_funding_rate": _("Förderquote"),
    "transfer_pitfalls": _("Stolpersteine"),
}


# The six transfer facts a town needs to copy a case (the completeness report counts them
# for every case): field -> label. "Kosten" is there with a figure or a budget range.
TRANSFER_FACTS = {
    "transfer_budget": _("Kosten"),
    "transfer_staff": _("Personal"),
    "transfer_duration": _("Zeitbedarf"),
    "transfer_decisions": _("Ratsbeschlüsse"),
    "transfer_funding_rate": _("Förderquote"),
    "case_contacts": _("Ansprechpartner"),
}


def missing_transfer_facts(page):
    """Labels of the transfer facts a case lacks (contacts prefetched by listings)."""
    present = {
        "transfer_budget": not _blank(page.transfer_budget)
        or not _blank(page.transfer_budget_range),
        "case_contacts": bool(len(page.case_contacts.all())),
    }
    return [
        label
        for field, label in TRANSFER_FACTS.items()
        if not present.get(field, not _blank(getattr(page, field, "")))
    ]


class IncompleteCase(ValidationError, PermissionDenied):
    """Raised when a case without its core facts is about to be published.

    A ValidationError, so that callers that validate (forms, the importer) report it as a
    field or record error; a PermissionDenied, so that a view that does not expect it (the
    workflow "approve" action) answers 403 instead of 500 and, the approval being atomic,
    changes nothing."""


@dataclass
class Completeness:
    missing: list  # [(field, label)] of core facts
    transfer_missing: list  # [(field, label)] of transfer fields

    @property
    def is_complete(self):
        return not self.missing

    @property
    def transfer_filled(self):
        return len(TRANSFER_HINTS) - len(self.transfer_missing)

    @property
    def transfer_total(self):
        return len(TRANSFER_HINTS)


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def check_values(values):
    """values: field name -> value; relations as a count or a sequence."""
    missing = []
    for field, label in CORE_FACTS.items():
        value = values.get(field)
        empty = (not value) if not isinstance(value, str) else _blank(value)
        if empty:
            missing.append((field, label))
    transfer_missing = [
        (field, label) for field, label in TRANSFER_HINTS.items() if _blank(values.get(field))
    ]
    return Completeness(missing, transfer_missing)


def check_page(page):
    """Completeness of a case page instance (live, draft or a revision's object)."""
    values = {field: getattr(page, field, "") for field in (*CORE_FACTS, *TRANSFER_HINTS)}
    # A period without a readable year still says when: its wording is the note.
    values["period"] = page.period or getattr(page, "period_note", "")
    values["case_towns"] = len([link for link in page.case_towns.all() if link.town_id])
    values["themes"] = len(page.themes.all())
    return check_values(values)


def require_complete(page):
    """Raise IncompleteCase naming what is missing."""
    result = check_page(page)
    if not result.is_complete:
        raise IncompleteCase(missing_message(result))


def missing_message(result):
    return _("Zum Veröffentlichen fehlt: %(missing)s.") % {
        "missing": ", ".join(str(label) for _field, label in result.missing)
    }
