"""Finding 1: view restrictions were ignored outside the page itself. A case with a password
and a partner section behind a login (set after publishing, as the privacy dialog does) must
vanish from the search, autocomplete, "Orte wie meiner", "Ähnliche Fälle" and the case links
of guides, and come back when the restriction is removed."""

import pytest
from wagtail.models import PageViewRestriction

from knowledge.models import GuideCase, GuidePage
from search import engine


def _leaks(content, private):
    return [f"{case.title!r}" for case in private if case.title in content or case.url in content]


@pytest.mark.django_db
def test_restricted_cases_vanish_from_search_api_and_page(client, private_cases):
    for case in private_cases:
        # The longest words, not the whole title: the search page repeats the query.
        query = " ".join(sorted(case.title.split(), key=len)[-2:])
        for url in ("/api/search/", "/suche/"):
            content = client.get(url, {"q": query}).content.decode()
            assert not _leaks(content, [case]), url
        word = max(case.title.split(), key=len)[:6]
        content = client.get("/api/autocomplete/", {"q": word}).content.decode()
        assert case.title not in content


@pytest.mark.django_db
def test_restricted_cases_vanish_from_places_like_mine(client, private_cases):
    for case in private_cases:
        params = {"einwohner": case.population or 10000}
        if case.state:
            params["land"] = case.state
        content = client.get("/orte-wie-meiner/", params).content.decode()
        assert not _leaks(content, [case])
        found = engine.places_like(case.population or 10000, case.state or None, limit=500)
        assert case.page.pk not in {rec.hit.page.id for rec in found}


@pytest.mark.django_db
def test_restricted_cases_vanish_from_related_cases(private_cases):
    checked = 0
    for case in private_cases:
        for other_id in case.related_from:
            checked += 1
            related = engine.related(other_id, limit=12)
            assert case.page.pk not in {rec.hit.page.id for rec in related}
    assert checked, "no case listed the private cases among its related cases"


@pytest.mark.django_db
def test_restricted_case_vanishes_from_guide_links(client, private_cases):
    case = private_cases[0]
    guide = GuidePage.objects.get(pk=GuideCase.objects.filter(case=case.page).first().page_id)
    content = client.get(guide.url).content.decode()
    assert case.url not in content
    assert case.page.pk not in {link.case_id for link in guide.case_links}


@pytest.mark.django_db
def test_removing_the_restriction_brings_the_case_back(
    client, private_cases, django_capture_on_commit_callbacks
):
    case = private_cases[0]
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.filter(page=case.page).delete()
    content = client.get("/api/search/", {"q": case.title}).content.decode()
    assert case.url in content or case.title in content
