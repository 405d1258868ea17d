"""Guides, the glossary, glossary links in text and the search over both."""

import pytest

from knowledge.glossary import Term, link_terms
from knowledge.models import GlossaryTermPage, GuidePage

pytestmark = pytest.mark.django_db

TERMS = [
    Term(key=1, forms=("Reallabor",), url="/wissen/glossar/reallabor/"),
    Term(
        key=2,
        forms=("ExWoSt",),
        url="/wissen/glossar/exwost/",
        long_form="Experimenteller Wohnungs- und Städtebau",
    ),
    Term(key=3, forms=("interkommunal", "interkommunale"), url="/g/interkommunal/"),
]


def test_first_occurrence_is_linked_once_and_markup_is_kept():
    html = (
        '<h2>Ein Reallabor</h2><p class="x">Das Reallabor &amp; noch ein Reallabor.</p>'
        '<p><a href="/a/">Reallabor im Link</a> und <b>ExWoSt</b>-Mittel.</p>'
        "<template><p>ExWoSt</p></template><br/>"
    )
    linked = link_terms(html, TERMS)
    assert linked.startswith("<h2>Ein Reallabor</h2>")  # headings stay untouched
    assert linked.count('href="/wissen/glossar/reallabor/"') == 1
    assert (
        '<p class="x">Das <a class="glossary-link" href="/wissen/glossar/reallabor/">Reallabor'
        '<span class="visually-hidden"> (Glossar)</span></a> &amp; noch ein Reallabor.</p>'
    ) in linked
    assert '<a href="/a/">Reallabor im Link</a>' in linked
    assert (
        '<b><a class="glossary-link" href="/wissen/glossar/exwost/">'
        '<abbr title="Experimenteller Wohnungs- und Städtebau">ExWoSt</abbr>'
    ) in linked
    assert "<template><p>ExWoSt</p></template><br/>" in linked


def test_inflected_forms_and_no_partial_words():
    linked = link_terms("<p>Interkommunalen Projekten, Reallabors, Reallaborant</p>", TERMS)
    assert ">Interkommunalen<span" in linked
    assert ">Reallabors<span" in linked
    assert "Reallaborant</p>" in linked


def test_seen_terms_carry_over_between_regions():
    seen = set()
    first = link_terms("<p>Reallabor</p>", TERMS, seen)
    second = link_terms("<p>Reallabor</p>", TERMS, seen)
    assert "glossary-link" in first and "glossary-link" not in second


def test_guide_page_shows_steps_needs_and_cases(client, demo_site):
    guide = GuidePage.objects.get(slug="buergerrat-per-losverfahren-einberufen")
    content = client.get(guide.url).content.decode()
    assert "In 5 Schritten" in content
    assert "Stichprobe ziehen" in content
    assert "Was es braucht" in content and "Voraussetzungen" in content
    assert "Stolpersteine" in content
    assert "Fälle, die diesen Leitfaden anwenden" in content
    osterburg = demo_site.case("osterburg-buergerrat-klimaschutz")
    assert f'href="{osterburg.url}"' in content
    # The glossary term in the text links to its entry.
    term = GlossaryTermPage.objects.get(title="Losverfahren")
    assert content.count(f'class="glossary-link" href="{term.url}"') == 1


def test_case_page_shows_its_guides_and_links_glossary_terms(client, demo_site):
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    content = client.get(case.url).content.decode()
    assert "Leitfäden zu diesem Fall" in content
    assert "Bürgerrat per Losverfahren einberufen" in content
    term = GlossaryTermPage.objects.get(title="Bürgerrat")
    assert content.count(f'class="glossary-link" href="{term.url}"') == 1


def test_glossary_lists_terms_alphabetically(client, demo_site):
    content = client.get("/wissen/glossar/").content.decode()
    assert GlossaryTermPage.objects.live().count() >= 12
    positions = [content.index(f">{term}</a>") for term in ("BBSR", "ExWoSt", "Zwischennutzung")]
    assert positions == sorted(positions)
    assert "Experimenteller Wohnungs- und Städtebau" in content
    term_page = client.get("/wissen/glossar/reallabor/")
    assert term_page.status_code == 200


def test_guides_and_glossary_are_found_by_the_site_search(client, demo_site):
    response = client.get("/api/search/", {"q": "Losverfahren", "art": "guide"})
    assert [hit["slug"] for hit in response.json()["results"]][:1] == [
        "buergerrat-per-losverfahren-einberufen"
    ]
    response = client.get("/api/search/", {"q": "Reallabor", "art": "glossary"})
    assert "reallabor" in [hit["slug"] for hit in response.json()["results"]]
    # On the search page cases come first; the "art" facet shows the guides.
    page = client.get("/suche/", {"q": "Zwischennutzung"}).content.decode()
    assert 'name="art" value="guide"' in page
    page = client.get("/suche/", {"q": "Zwischennutzung", "art": "guide"}).content.decode()
    assert "Leerstand zwischennutzen" in page
