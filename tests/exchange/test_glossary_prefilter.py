"""Glossary linking looks only for the terms a text names (knowledge.glossary.present_terms):
the links must be exactly those of one pattern over every term."""

import pytest

from knowledge import glossary
from knowledge.glossary import Term, link_terms, present_terms

pytestmark = pytest.mark.db_independent

TERMS = (
    Term(key=1, forms=("Ländlicher Raum",), url="/g/laendlicher-raum/"),
    Term(key=2, forms=("Raum",), url="/g/raum/"),
    Term(key=3, forms=("Bürgerrat", "Bürgerräte"), url="/g/buergerrat/"),
    Term(key=4, forms=("ExWoSt",), url="/g/exwost/", long_form="Experimenteller Wohnungsbau"),
    Term(key=5, forms=("Straße",), url="/g/strasse/"),
    Term(key=6, forms=("Kita & Schule",), url="/g/kita/"),
)


TEXTS = [
    "<p>Nichts davon steht hier.</p>",
    "<p>Im ländlichen Raum tagt der Bürgerrat; der Raum ist klein.</p>",
    "<p>BÜRGERRÄTE in der STRASSE und der straße, ExWoSt-Mittel.</p>",
    "<p>Kita &amp; Schule, dann Raum</p>",
    "<h2>Raum</h2><p><a href='/x/'>Bürgerrat</a> und Bürgerrat</p>",
    "<p>Ein Text mit ı und Raum, KİTA &amp; SCHULE, Kıta &amp; Schule</p>",
    "<p>Ländlicher Raum, Raumordnung, Raume, Bürgerrats-Sitzung</p>",
]


@pytest.mark.parametrize("seen_before", [set(), {1}, {2, 3}, {1, 2, 3, 4, 5, 6}])
def test_links_are_those_of_one_pattern_over_every_term(monkeypatch, seen_before):
    """The same page regions, linked with and without looking for present terms first."""
    linked = []
    seen = set(seen_before)
    for html in TEXTS:
        linked.append(link_terms(html, TERMS, seen))
    monkeypatch.setattr(glossary, "present_terms", lambda html, terms: tuple(terms))
    reference = []
    reference_seen = set(seen_before)
    for html in TEXTS:
        reference.append(link_terms(html, TERMS, reference_seen))
    assert linked == reference
    assert seen == reference_seen
    if not seen_before:
        assert any('href="/g/raum/"' in html for html in linked)
        assert any('href="/g/laendlicher-raum/"' in html for html in linked)


def test_a_longer_term_already_linked_still_shadows_a_shorter_one():
    """ "Ländlicher Raum" was linked in an earlier region: its later occurrence still covers
    "Raum" there, as with one pattern over every term."""
    seen = set()
    first = link_terms("<p>Ländlicher Raum</p>", TERMS, seen)
    assert 'href="/g/laendlicher-raum/"' in first
    second = link_terms("<p>Wieder ländlicher Raum.</p>", TERMS, seen)
    assert second == "<p>Wieder ländlicher Raum.</p>"
    third = link_terms("<p>Ein Raum.</p>", TERMS, seen)
    assert 'href="/g/raum/"' in third


def test_a_term_seen_elsewhere_does_not_stop_the_terms_of_this_text():
    # Keys seen on the page outnumber the terms this text names: it is still linked.
    seen = {1, 3, 4, 5, 6}
    linked = link_terms("<p>Der Raum.</p>", TERMS, seen)
    assert 'href="/g/raum/"' in linked
    assert seen == {1, 2, 3, 4, 5, 6}


def test_case_and_sharp_s_variants_are_found():
    assert {term.key for term in present_terms("<p>STRASSE? nein: STRAẞE</p>", TERMS)} == {5}
    assert {term.key for term in present_terms("<p>bürgerräte</p>", TERMS)} == {3}
    # Escaped as in HTML: "&" is "&amp;" in the markup.
    assert {term.key for term in present_terms("<p>kita &amp; schule</p>", TERMS)} == {6}
    assert present_terms("<p>Nichts.</p>", TERMS) == ()
    linked = link_terms("<p>Die STRAẞE.</p>", TERMS)
    assert 'href="/g/strasse/"' in linked


def test_dotless_i_text_is_searched_for_every_term():
    # "ı" matches "i" in a case-insensitive pattern but not after casefold().
    assert present_terms("<p>ı</p>", TERMS) == TERMS
    assert present_terms("<p>İ</p>", TERMS) == TERMS
