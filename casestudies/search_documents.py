"""What the search knows about a case page."""

from django.db.models import Prefetch

from search.service import Document, register, register_facet_values, register_hit_details

from .importer import html_to_text, stream_to_sections
from .models import (
    BudgetRange,
    CasePage,
    CasePageTag,
    CaseTown,
    DurationClass,
    FundingProgramme,
    Scope,
    Status,
    Theme,
)
from .transfer_facts import attach_transfer_facts

# The facets of the search whose values the library owns.
register_facet_values("thema", lambda: Theme.objects.values_list("slug", "name"))
register_facet_values(
    "foerderung",
    lambda: ((str(pk), name) for pk, name in FundingProgramme.objects.values_list("pk", "name")),
)
register_facet_values("status", lambda: Status.choices)
register_facet_values("budget", lambda: BudgetRange.choices)
register_facet_values("dauer", lambda: DurationClass.choices)
register_facet_values("reichweite", lambda: Scope.choices)
# A case's card on the search page shows its transfer facts.
register_hit_details(attach_transfer_facts)


# Tags through their rows: the tag manager does not prefetch (wagtail issue 6044).
@register(
    CasePage,
    prefetch=[
        Prefetch("case_towns", queryset=CaseTown.objects.select_related("town")),
        "themes",
        Prefetch("tagged_items", queryset=CasePageTag.objects.select_related("tag")),
        "funding_programmes",
        "partners",
    ],
)
def case_document(page):
    links = list(page.case_towns.all())
    towns = [link.town for link in links]
    themes = list(page.themes.all())
    tags = [item.tag.name for item in page.tagged_items.all()]
    funding = list(page.funding_programmes.all())
    partners = [organisation.name for organisation in page.partners.all()]
    sections = stream_to_sections(page.body)
    transfer = [
        html_to_text(page.lessons),
        page.transfer_staff,
        page.transfer_budget,
        page.transfer_duration,
        page.transfer_decisions,
        page.transfer_partners,
        page.transfer_pitfalls,
    ]
    text = "\n\n".join(part for part in [*sections.values(), *transfer] if part and part.strip())
    states = sorted({town.state for town in towns})
    return Document(
        kind="case",
        heading=page.title,
        summary=page.summary,
        text=text,
        key_texts=[
            *tags,
            *(theme.name for theme in themes),
            *(town.name for town in towns),
            # What the source added to a town for this case ("Altmark", "mit allen
            # Ortsteilen"): the region a visitor may search for.
            *(link.note for link in links if link.note),
            *(town.get_state_display() for town in towns),
            *(town.county for town in towns if town.county),
            *(programme.name for programme in funding),
            *partners,
        ],
        themes=[theme.slug for theme in themes],
        theme_names=[theme.name for theme in themes],
        tags=tags,
        towns=[town.name for town in towns],
        states=states,
        size_classes=sorted({town.size_class for town in towns if town.size_class}),
        status=page.status,
        funding=[str(programme.pk) for programme in funding],
        budget_range=page.transfer_budget_range,
        duration_class=page.transfer_duration_class,
        scope=page.scope,
        period_start=page.period_start_year,
        period_end=page.period_end_year,
        population=max((town.population or 0 for town in towns), default=None) or None,
        completeness=sum(1 for part in transfer if part and part.strip()) / len(transfer) * 0.8
        + (0.2 if page.transfer_budget_range else 0.0),
    )
