"""Tests for the German search analysis (no database needed)."""

import random
import statistics

import pytest

from search import analysis
from search.analysis import (
    ANALYZER_VERSION,
    AnalyzedQuery,
    GermanAnalyzer,
    Vocabulary,
    default_synonyms,
    fold,
    parse_synonyms,
    tokenize,
)

# Text analysis only; the same on every database.
pytestmark = pytest.mark.db_independent

DOCUMENTS = [
    "Die Wohnungsbaugesellschaft der Kleinstadt saniert Wohnungen in der Innenstadt.",
    "Ein Bürgerrat mit ausgelosten Teilnehmern erarbeitete das Klimaschutzkonzept.",
    "Die Bürgerräte mehrerer Gemeinden tagten im Rathaus an der Straße zum Markt.",
    "Das Leerstandsmanagement bringt neue Läden in leere Schaufenster.",
    "Bürgerbeteiligung von Anfang an: die Beteiligung der Jugend im Jugendrat.",
    "Ein Coworking-Space im alten Bahnhof: Coworking für Pendlerinnen und Pendler.",
    "Das Losverfahren sorgt für einen vielfältigen Bürgerrat.",
    "Der Dorfladen sichert die Nahversorgung, die Mitfahrbank die Mobilität.",
]


@pytest.fixture(scope="module")
def plain_analyzer():
    return GermanAnalyzer()


@pytest.fixture(scope="module")
def vocabulary(plain_analyzer):
    return Vocabulary.from_texts(DOCUMENTS, plain_analyzer)


@pytest.fixture(scope="module")
def analyzer(vocabulary):
    return GermanAnalyzer(vocabulary, default_synonyms())


def matches(analyzer, document, query):
    """A document matches when every query group shares a term with it."""
    terms = set(analyzer.index_terms(document))
    analyzed = analyzer.analyze_query(query)
    return bool(analyzed.groups) and all(
        any(term in terms for term, _ in group) for group in analyzed.groups
    )


def test_version_is_exposed():
    assert ANALYZER_VERSION == "1"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Bürgerrat", "buergerrat"),
        ("BÜRGERRAT", "buergerrat"),
        ("Straße", "strasse"),
        ("STRASSE", "strasse"),
        ("Öffentlichkeit", "oeffentlichkeit"),
        ("Café Élysée", "cafe elysee"),
        ("Bu\u0308rgerrat", "buergerrat"),  # decomposed umlaut
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_makes_umlaut_and_ascii_spelling_identical():
    assert fold("Bürgerrat") == fold("Buergerrat")


def test_tokenize():
    assert tokenize("Coworking-Space, 2024 eröffnet!") == [
        "coworking",
        "space",
        "coworkingspace",
        "2024",
        "eroeffnet",
    ]
    assert tokenize("Bürger*innen und Bürger:innen") == ["buergerinnen", "und", "buergerinnen"]
    assert tokenize("citizens' assembly") == ["citizens", "assembly"]


@pytest.mark.parametrize(
    "forms",
    [
        ("Wohnung", "Wohnungen"),
        ("Bürgerrat", "Bürgerräte", "Bürgerrates"),
        ("Kleinstadt", "Kleinstädte"),
        ("Laden", "Läden"),
        ("Gemeinde", "Gemeinden"),
    ],
)
def test_inflected_forms_share_a_stem(plain_analyzer, forms):
    stems = {plain_analyzer.index_terms(form)[0] for form in forms}
    assert len(stems) == 1


@pytest.mark.parametrize(
    ("typed", "written"),
    [("Buergerrat", "Bürgerrat"), ("Strasse", "Straße"), ("Laeden", "Läden")],
)
def test_umlauts_typed_without_them(plain_analyzer, typed, written):
    assert plain_analyzer.index_terms(typed) == plain_analyzer.index_terms(written)


def test_compound_terms(plain_analyzer):
    assert plain_analyzer.index_terms("Klimaschutzkonzept") == [
        "klimaschutzkonzept",
        "klimaschutz",
        "klima",
        "schutz",
        "konzept",
    ]
    terms = plain_analyzer.index_terms("Wohnungsbaugesellschaft")
    assert {"wohnungsbaugesellschaft", "wohnungsbau", "wohnung", "bau", "gesellschaft"} <= set(
        terms
    )


@pytest.mark.parametrize(
    ("document", "query"),
    [
        ("Die Wohnungsbaugesellschaft baut.", "Wohnungsbau"),
        ("Die Wohnungsbaugesellschaft baut.", "Gesellschaft Wohnungen"),
        ("Unser Klimaschutzkonzept", "Klimaschutz"),
        ("Erfolgreiches Leerstandsmanagement", "Leerstand"),
        ("Bürgerbeteiligung im Quartier", "Beteiligung"),
        ("Kleinstädte im Wandel", "Kleinstadt"),
        ("Ein Coworking-Space im Bahnhof", "Coworkingspace"),
    ],
)
def test_compound_documents_match_part_queries(plain_analyzer, document, query):
    assert matches(plain_analyzer, document, query)


@pytest.mark.parametrize("word", ["Verwaltung", "Gesellschaft", "Osterburg", "Beteiligung"])
def test_no_junk_splits_of_ordinary_words(plain_analyzer, word):
    assert len(plain_analyzer.index_terms(word)) == 1


def test_stopwords_are_removed_but_content_words_kept(plain_analyzer):
    terms = plain_analyzer.index_terms("Die Stadt und der Weg zu einer neuen Mitte")
    assert "stadt" in terms
    assert "weg" in terms
    assert not {"die", "und", "der", "zu", "einer"} & set(terms)


def test_index_terms_keep_duplicates_for_term_frequency(plain_analyzer):
    assert plain_analyzer.index_terms("Bürgerrat und Bürgerräte").count("burgerrat") == 2


@pytest.mark.parametrize(
    ("typed", "expected_term", "suggestion"),
    [
        ("Bürgerat", "burgerrat", "Bürgerrat"),
        ("Coworkng", "coworking", "Coworking"),
        ("Wohnungsbaugeselschaft", "wohnungsbaugesellschaft", "Wohnungsbaugesellschaft"),
        ("Klimaschutzkonzpet", "klimaschutzkonzept", "Klimaschutzkonzept"),
    ],
)
def test_typos_are_corrected(analyzer, typed, expected_term, suggestion):
    query = analyzer.analyze_query(typed)
    assert expected_term in dict(query.groups[0])
    assert dict(query.groups[0])[expected_term] in (0.8, 0.6)
    assert query.suggestion == suggestion


def test_suggestion_keeps_the_rest_of_the_query(analyzer):
    query = analyzer.analyze_query("Wie finden wir Teilnehmer für einen Bürgerat?")
    assert query.suggestion == "Wie finden wir Teilnehmer für einen Bürgerrat?"


def test_known_words_get_no_suggestion(analyzer):
    assert analyzer.analyze_query("Bürgerrat Kleinstadt").suggestion is None


def test_question_query_keeps_only_meaningful_words(analyzer):
    query = analyzer.analyze_query("Wie finden wir Teilnehmer für einen Bürgerrat?")
    assert isinstance(query, AnalyzedQuery)
    assert query.is_question
    assert len(query.groups) == 2
    assert query.groups[0][0] == ("teilnehm", 1.0)
    assert query.groups[1][0] == ("burgerrat", 1.0)
    assert query.suggestion is None


def test_plain_query_is_not_a_question(analyzer):
    assert not analyzer.analyze_query("Bürgerrat Kleinstadt").is_question


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("citizens' assembly", [{"burgerrat"}]),
        ("coworking small town", [{"coworking"}, {"kleinstadt"}]),
        ("housing company", [{"wohnungsbaugesellschaft"}]),
        ("Läden stehen leer", [{"leerstand"}]),
        ("How to organise a citizens assembly?", [{"burgerrat"}]),
    ],
)
def test_synonyms(analyzer, query, expected):
    analyzed = analyzer.analyze_query(query)
    assert len(analyzed.groups) == len(expected)
    for group, wanted in zip(analyzed.groups, expected, strict=True):
        assert wanted <= set(dict(group))


def test_english_query_finds_german_document(analyzer):
    assert matches(analyzer, DOCUMENTS[1], "citizens assembly")
    assert matches(analyzer, DOCUMENTS[0], "housing company")


def test_multiword_synonym_hits_are_reported_as_phrases(analyzer):
    query = analyzer.analyze_query("Läden stehen leer")
    assert "lad steh leer" in query.phrases
    assert "leerstand" in query.all_terms()


def test_parse_synonyms():
    rules = parse_synonyms(
        [
            "# a comment",
            "",
            "Coworking, co-working, Gemeinschaftsbüro  # trailing comment",
            "citizens assembly, citizens' council => Bürgerrat",
        ]
    )
    assert len(rules) == 2
    assert rules[0].equivalent
    assert rules[0].inputs == ("coworking", "co-working", "gemeinschaftsbuero")
    assert not rules[1].equivalent
    assert rules[1].inputs == ("citizens assembly", "citizens' council")
    assert rules[1].outputs == ("buergerrat",)


def test_parse_synonyms_rejects_broken_rules():
    with pytest.raises(ValueError, match="line 1"):
        parse_synonyms(["a => "])


def test_seed_file_is_large_enough():
    text = analysis.SYNONYMS_FILE.read_text(encoding="utf-8")
    assert text.startswith("#")
    rules = default_synonyms()
    assert len(rules) >= 80
    assert any(rule.equivalent for rule in rules)


def test_vocabulary_corrections_thresholds():
    vocabulary = Vocabulary({"rat": 5, "haus": 3, "hausarzt": 2, "hausarzte": 9, "konzept": 1})
    assert vocabulary.corrections("rad") == []  # too short
    assert vocabulary.corrections("hauz") == [("haus", 1)]
    assert vocabulary.corrections("hxyz") == []
    assert vocabulary.corrections("konzpet") == [("konzept", 1)]  # transposition
    # distance first, then frequency
    assert vocabulary.corrections("hausartz") == [("hausarzt", 1), ("hausarzte", 2)]
    assert "haus" in vocabulary
    assert vocabulary.frequency("haus") == 3
    assert vocabulary.frequency("missing") == 0


def test_vocabulary_corrections_compare_a_bounded_candidate_set_on_50k_terms():
    """A correction compares the typo with the terms of its length range that share its
    first or last letter, not with the whole vocabulary; it still finds the word. (How fast
    that is on the real vocabulary: ``make bench``, bench_search.)"""
    rng = random.Random(7)
    letters = "abcdefghiklmnoprstuwz"
    terms = {"".join(rng.choice(letters) for _ in range(rng.randint(4, 18))) for _ in range(50_000)}
    vocabulary = Vocabulary(dict.fromkeys(terms, 1))
    examined = []
    for probe in rng.sample(sorted(terms), 50):
        typo = probe[:2] + probe[3:]
        buckets = vocabulary.candidate_buckets(typo)
        candidates = [term for bucket in buckets for term in bucket]
        examined.append(len(candidates))
        limit = vocabulary.max_distance(typo)
        for term in candidates:
            assert abs(len(term) - len(typo)) <= limit
            assert term[0] == typo[0] or term[-1] == typo[-1]
        if limit:
            assert probe in dict(vocabulary.corrections(typo, limit=50)), probe
        else:
            assert vocabulary.corrections(typo) == []
    # Each length and letter holds about 1/(15 * 21) of the terms; up to five lengths and
    # two letters are looked at: about 3 per cent of the vocabulary, never the whole of it.
    assert max(examined) < len(terms) / 10
    assert statistics.median(examined) < len(terms) / 20
