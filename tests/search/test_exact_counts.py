"""Totals and facet counts of the search equal what the database counts, also for common
words with thousands of matches (no cut before filters), with and without filters; long
queries are limited and say so; the per-worker state follows changes without a rebuild."""

import re
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from devtools.bulk import BulkCaseCreator
from devtools.fake import generate_records
from search import engine, retrieval
from search.engine import MAX_QUERY_TERMS, SearchRequest, search
from search.models import SearchEntry

GENERATED = 2600
# Facet parameter -> the SearchEntry field that holds its values (space separated).
FACET_FIELDS = {"thema": "themes", "land": "states", "groesse": "size_classes"}
QUERIES = [
    ("Stadt", {}),
    ("Stadt", {"land": ["SL"]}),
    ("Stadt", {"thema": ["mobilitaet"]}),
    ("Stadt", {"thema": ["wohnen", "mobilitaet"], "groesse": ["kleine-kleinstadt"]}),
    ("Ehrenamt", {}),
    ("Ehrenamt", {"land": ["NI", "BY"]}),
    ("gelingt", {}),
    ("gelingt", {"groesse": ["kleine-kleinstadt"]}),
    ("kleinen", {"land": ["SL"]}),
    ("Leerstand", {}),
    ("Leerstand", {"thema": ["einzelhandel-innenstadt"]}),
    ("Dorfladen", {}),
    ("Dorfladen", {"land": ["BB"]}),
    ("Bürgerbus", {"thema": ["mobilitaet"]}),
    ("Coworking", {}),
    ("Genossenschaft", {"groesse": ["landgemeinde"]}),
    ("Jugendrat", {}),
    ("Budget", {"land": ["SN", "ST", "TH"]}),
    (None, {"thema": ["wohnen"]}),
    (None, {"land": ["NW"], "groesse": ["kleine-kleinstadt"]}),
]


@pytest.fixture(scope="module")
def generated_library(django_db_setup, django_db_blocker):
    """The corpus plus generated cases, so that common words match thousands of entries;
    created once for this module and removed afterwards."""
    from taggit.models import Tag

    from casestudies.models import (
        CaseLibraryPage,
        CasePage,
        Contact,
        FundingProgramme,
        Organisation,
        Theme,
        Town,
    )

    # Reference data the generated cases bring goes with them: later tests list and export
    # the reference data and compare libraries.
    reference_models = [Town, Contact, Organisation, FundingProgramme, Theme, Tag]
    records = generate_records(GENERATED, seed=1515)
    with django_db_blocker.unblock():
        existing = {
            model: set(model.objects.values_list("pk", flat=True)) for model in reference_models
        }
        library = CaseLibraryPage.objects.get()
        BulkCaseCreator(library=library).run(records)
        engine.reset_snapshot()
        yield records
        slugs = [record["slug"] for record in records]
        CasePage.objects.filter(slug__in=slugs).delete()
        for model in reference_models:
            model.objects.exclude(pk__in=existing[model]).delete()
        SearchEntry.objects.filter(page__isnull=True).delete()
        retrieval.database_retriever().rebuild()
        engine.reset_snapshot()


def _word(field, term):
    return Q(**{f"{field}__regex": rf"(^| ){re.escape(term)}( |$)"})


def _query_filter(query):
    """What the search's retrieval matches for a one-word query, as an ORM condition over
    the stored analysed terms: any alternative of the word, every term of it in any field."""
    if not query:
        return Q()
    analyzed = engine.snapshot().analyzer.analyze_query(query)
    assert len(analyzed.groups) == 1, query
    condition = Q(pk__in=[])
    for terms in retrieval.word_alternatives(analyzed.groups[0], analyzed.part_sets[0]):
        every = Q()
        for term in terms:
            every &= _word("title", term) | _word("key_terms", term) | _word("body_terms", term)
        condition |= every
    return condition


def _filter_condition(filters, skip=None):
    condition = Q()
    for name, values in filters.items():
        if name != skip:
            any_value = Q(pk__in=[])
            for value in values:
                any_value |= _word(FACET_FIELDS[name], value)
            condition &= any_value
    return condition


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "filters"), QUERIES)
def test_totals_and_facet_counts_equal_database_counts(generated_library, query, filters):
    response = search(SearchRequest(query=query or "", filters=filters))
    matching = SearchEntry.objects.filter(_query_filter(query))
    assert response.count == matching.filter(_filter_condition(filters)).count()
    for name, field in FACET_FIELDS.items():
        expected = Counter()
        for values in matching.filter(_filter_condition(filters, skip=name)).values_list(
            field, flat=True
        ):
            expected.update(values.split())
        shown = {value.value: value.count for value in response.facets[name] if value.count}
        assert shown == dict(expected), name


# Several words, most of them common: an entry is found when it covers at least 75 % of the
# query's weight (engine._match), which on PostgreSQL the full-text index decides.
MULTI_WORD_QUERIES = [
    ("Stadt Ehrenamt", {}),
    ("Stadt Ehrenamt", {"land": ["SL"]}),
    ("Leerstand Innenstadt", {}),
    ("Leerstand Innenstadt", {"thema": ["einzelhandel-innenstadt"]}),
    ("Bürgerbus Ehrenamt Ortsteile", {}),
    ("Dorfladen Genossenschaft", {"groesse": ["landgemeinde"]}),
    ("Wie gründet man einen Dorfladen?", {}),
    ("Stadt gelingt kleinen", {"land": ["NI", "BY"]}),
    ("Jugendrat Beteiligung Stadt", {}),
    ("Coworking Leerstand Ehrenamt Budget", {"thema": ["wohnen", "mobilitaet"]}),
]


def _word_entries(group, part_sets):
    """Ids of the entries that have a query word (any alternative, all its terms)."""
    condition = Q(pk__in=[])
    for terms in retrieval.word_alternatives(group, part_sets):
        every = Q()
        for term in terms:
            every &= _word("title", term) | _word("key_terms", term) | _word("body_terms", term)
        condition |= every
    return set(SearchEntry.objects.filter(condition).values_list("pk", flat=True))


def _covering_entries(query):
    """The entries a query of several words finds, counted with the ORM: the entries that
    have at least one of its words that is not common (a word in more than half of the
    entries counts as present everywhere), covering at least MIN_COVERAGE of the words'
    weight (each word weighted by its rarest term's idf), or as much as the best entry."""
    snap = engine.snapshot()
    analyzed = snap.analyzer.analyze_query(query)
    engine.limit_query(analyzed)
    groups = [(g, p) for g, p in zip(analyzed.groups, analyzed.part_sets, strict=True) if g]
    weights = [max(snap.idf(term) for term, _weight in group) for group, _parts in groups]
    common = [snap.share(group) > engine.COMMON_SHARE for group, _parts in groups]
    if all(common):
        common = [False] * len(groups)
    coverage = Counter()
    everywhere = sum(w for w, is_common in zip(weights, common, strict=True) if is_common)
    for (group, parts), weight, is_common in zip(groups, weights, common, strict=True):
        if not is_common:
            for pk in _word_entries(group, parts):
                coverage[pk] += weight / sum(weights)
    best = max(coverage.values(), default=0) + everywhere / sum(weights)
    threshold = min(engine.MIN_COVERAGE, best) - 1e-9
    return {pk for pk, share in coverage.items() if share + everywhere / sum(weights) >= threshold}


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "filters"), MULTI_WORD_QUERIES)
def test_totals_and_facet_counts_of_several_words_equal_database_counts(
    generated_library, query, filters
):
    response = search(SearchRequest(query=query, filters=filters))
    matching = SearchEntry.objects.filter(pk__in=_covering_entries(query))
    assert response.count == matching.filter(_filter_condition(filters)).count()
    assert response.count > 0
    for name, field in FACET_FIELDS.items():
        expected = Counter()
        for values in matching.filter(_filter_condition(filters, skip=name)).values_list(
            field, flat=True
        ):
            expected.update(values.split())
        shown = {value.value: value.count for value in response.facets[name] if value.count}
        assert shown == dict(expected), name


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "filters"), MULTI_WORD_QUERIES)
def test_restricted_retrieval_ranks_as_the_word_by_word_one(
    generated_library, query, filters, monkeypatch
):
    """PostgreSQL fetches only the entries that cover enough of the query (one tsquery of
    the word sets that reach the threshold); the whole ranking, totals and facets are those
    of fetching every entry with any of the words (MAX_CLAUSES 0: no sets). On SQLite both
    are the word-by-word retrieval."""
    request = SearchRequest(query=query, filters=filters)
    restricted = search(request)
    restricted_order = engine.page_ids(request)
    monkeypatch.setattr(engine, "MAX_CLAUSES", 0)
    every_match = search(request)
    assert restricted_order == engine.page_ids(request)
    assert restricted.count == every_match.count == len(restricted_order)
    assert [hit.score for hit in restricted.results] == [hit.score for hit in every_match.results]
    assert restricted.facets == every_match.facets


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["Stadt Ehrenamt Leerstand", "gelingt Dorfladen"])
def test_unscored_words_come_back_with_every_match(generated_library, query):
    """A word too common to score (MAX_SCORED_MATCHES) comes back without scores, on SQLite
    as one text of ids: the same entries as when it is scored, in id order."""
    analyzed = engine.snapshot().analyzer.analyze_query(query)
    structures = [[alternatives] for _group, _parts, alternatives in engine._word_groups(analyzed)]
    retriever = retrieval.database_retriever()
    scored = retriever.search_words(structures)
    unscored = retriever.search_words(structures, scored=[False] * len(structures))
    mixed = retriever.search_words(structures, scored=[n != 1 for n in range(len(structures))])
    for number, ((ids, _scores), (plain_ids, plain_scores)) in enumerate(
        zip(scored, unscored, strict=True)
    ):
        assert len(ids) > 0
        assert plain_ids.tolist() == sorted(ids.tolist())
        assert not plain_scores.any()
        assert mixed[number][0].tolist() == (plain_ids if number == 1 else ids).tolist()


@pytest.mark.django_db
def test_common_words_have_their_real_totals(generated_library):
    response = search(SearchRequest(query="Stadt"))
    assert response.count > 2000
    assert response.count == SearchEntry.objects.filter(_query_filter("Stadt")).count()
    # The whole list is ranked: the last page has the last hits.
    pages = -(-response.count // 50)
    last = search(SearchRequest(query="Stadt", page=pages, page_size=50))
    assert len(last.results) == response.count - (pages - 1) * 50


@pytest.mark.django_db
def test_a_long_query_is_limited_and_says_so(client, generated_library):
    words = (
        "Leerstand Dorfladen Bürgerbus Coworking Genossenschaft Jugendrat Wärmenetz "
        "Kulturscheune Gewerbegebiet Mehrgenerationenwohnen Plattform Treffpunkt Altbau "
        "Nahversorgung"
    )
    assert len(words) <= 200 and len(words.split()) == 14
    search(SearchRequest(query="Dorfladen"))  # the worker's state is built before counting
    with CaptureQueriesContext(connection) as queries:
        response = search(SearchRequest(query=words))
    assert response.notice and "höchstens 32 Suchbegriffe" in response.notice
    terms = sum(len(group) for group in response.analyzed.groups)
    assert terms <= MAX_QUERY_TERMS
    matching = [
        q["sql"] for q in queries.captured_queries if "MATCH" in q["sql"] or "@@" in q["sql"]
    ]
    assert len(matching) == 1, matching
    # Reads only: PostgreSQL plans the full-text statement with SET LOCAL inside a savepoint
    # (search/retrieval.py, _through_index).
    control = ("SAVEPOINT", "RELEASE SAVEPOINT", "SET LOCAL", "RESET")
    reads = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(control)]
    assert len(reads) <= 6, reads
    page = client.get("/suche/", {"q": words})
    assert page.status_code == 200
    assert "höchstens 32 Suchbegriffe" in page.content.decode()
    assert "höchstens 32 Suchbegriffe" in client.get("/api/search/", {"q": words}).json()["notice"]


@pytest.mark.django_db
def test_repeated_words_count_once(generated_library):
    response = search(SearchRequest(query="Dorfladen Dorfladen dorfladen"))
    assert len(response.analyzed.groups) == 1
    assert not response.notice
    assert response.count == search(SearchRequest(query="Dorfladen")).count


@pytest.mark.django_db
def test_a_short_query_has_no_notice(client, generated_library):
    response = client.get("/api/search/", {"q": "Dorfladen"})
    assert response.status_code == 200
    assert response.json()["notice"] == ""
    page = client.get("/suche/", {"q": " ".join(["Leerstand Dorfladen Bürgerbus"] * 4)})
    assert page.status_code == 200
    assert "Suchbegriffe)" not in page.content.decode()
