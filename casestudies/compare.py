"""Compare up to three cases side by side: one column per case, the transfer facts in rows
(``/faelle/vergleich/?fall=a&fall=b&fall=c``)."""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from .models import CaseTown

MAX_COMPARED = 3
MAX_CANDIDATES = 10


@dataclass
class Row:
    label: str
    values: list  # one text per case, "" where not given


def _general_rows(cases):
    def joined(values, separator=", "):
        return separator.join(str(value) for value in values)

    return [
        Row(_("Ort"), [case.town_names for case in cases]),
        Row(_("Bundesland"), [joined(case.states.values()) for case in cases]),
        Row(
            _("Stadtgröße"),
            [joined((label for _value, label in case.size_classes), "; ") for case in cases],
        ),
        Row(_("Reichweite"), [case.get_scope_display() for case in cases]),
        Row(_("Status"), [case.get_status_display() for case in cases]),
        Row(_("Zeitraum"), [case.period for case in cases]),
    ]


def rows_for(cases):
    rows = _general_rows(cases)
    facts = [case.transfer_facts for case in cases]
    for index, fact in enumerate(facts[0] if facts else []):
        rows.append(Row(fact.label, [case_facts[index].value for case_facts in facts]))
    rows.append(
        Row(
            _("Förderprogramme"),
            ["; ".join(p.name for p in case.funding_programmes.all()) for case in cases],
        )
    )
    rows.append(Row(_("Themen"), [", ".join(t.name for t in case.themes.all()) for case in cases]))
    return rows


def compare_context(library, params, request=None):
    """The cases named by ``fall`` (in the order given), what could not be shown, and cases
    matching ``suche`` to add."""
    requested = list(dict.fromkeys(slug.strip() for slug in params.getlist("fall") if slug))
    too_many = len(requested) > MAX_COMPARED
    requested = requested[:MAX_COMPARED]
    found = {
        case.slug: case
        for case in library.cases()
        .filter(slug__in=requested)
        .defer_streamfields()
        .prefetch_related(
            Prefetch("case_towns", queryset=CaseTown.objects.select_related("town")),
            "themes",
            "funding_programmes",
        )
    }
    cases = [found[slug] for slug in requested if slug in found]
    missing = [slug for slug in requested if slug not in found]
    query = params.get("suche", "").strip()[:100]
    candidates = []
    if query and len(cases) < MAX_COMPARED:
        candidates = list(
            library.cases()
            .filter(title__icontains=query)
            .exclude(slug__in=[case.slug for case in cases])
            .order_by("title")
            .only("title", "slug")[:MAX_CANDIDATES]
        )
    slugs = [case.slug for case in cases]
    return {
        "compared": [
            (case, library.compare_url([s for s in slugs if s != case.slug], request))
            for case in cases
        ],
        "rows": rows_for(cases),
        "missing": missing,
        "too_many": too_many,
        "max_compared": MAX_COMPARED,
        "query": query,
        "candidates": [
            (candidate, library.compare_url([*slugs, candidate.slug], request))
            for candidate in candidates
        ],
        "slugs": slugs,
        "can_add": len(cases) < MAX_COMPARED,
    }
