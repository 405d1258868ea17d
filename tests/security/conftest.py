"""Private content for the regression suite of issue 12: a password-restricted case that a
guide links to, and a partner section behind a login restriction, both set after publishing
(as the admin's privacy dialog does)."""

from dataclasses import dataclass

import pytest
from wagtail.models import PageViewRestriction

from casestudies.models import CasePage, CaseSectionPage
from editorial.demo import PARTNERS
from knowledge.models import GuideCase
from search import engine
from search.models import SearchEntry


@dataclass
class PrivateCase:
    page: CasePage
    title: str
    url: str
    summary: str
    population: int | None
    state: str
    related_from: list  # cases whose "Ähnliche Fälle" listed this case before


def _describe(case):
    entry = SearchEntry.objects.get(page_id=case.pk)
    related_from = [
        other.page_id
        for other in SearchEntry.objects.filter(kind="case").exclude(page_id=case.pk)[:400]
        if any(rec.hit.page.id == case.pk for rec in engine.related(other.page_id, limit=3))
    ][:3]
    return PrivateCase(
        page=case,
        title=case.title,
        url=case.url,
        summary=case.summary,
        population=entry.population,
        state=(entry.states.split() or [""])[0],
        related_from=related_from,
    )


@pytest.fixture
def private_cases(demo_site, django_capture_on_commit_callbacks):
    """Two cases the public must not see, described as they were while public."""
    password_case = GuideCase.objects.select_related("case").first().case.specific
    section = CaseSectionPage.objects.get(slug=PARTNERS[0]["slug"])
    section_case = CasePage.objects.child_of(section).live().first()
    described = [_describe(password_case), _describe(section_case)]
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(
            page=password_case, restriction_type=PageViewRestriction.PASSWORD, password="geheim"
        )
        PageViewRestriction.objects.create(page=section, restriction_type=PageViewRestriction.LOGIN)
    return described
