"""Index settings for OpenSearch and Elasticsearch (no Django imports: read by settings).

The ``praxis_terms`` analyzer indexes the terms our own German analyzer produced (fields
``title``, ``key_terms``, ``body_terms`` of ``SearchEntry``), so the search server matches
exactly what the database backends match. The readable fields (``heading``, ``text``) get the
server's German analysis as well: decompounding against a domain word list, German
normalisation (ä -> a, ae -> a, ß -> ss) and the light German stemmer.
"""

DECOMPOUND_WORDS = sorted(
    """
    amt arbeit bau beteiligung bibliothek buerger bürger bus dorf energie entwicklung
    förderung foerderung gemeinde gemeinschaft genossenschaft gesellschaft gewerbe haus
    innenstadt jugend kinder klima konzept kultur laden leerstand management mobilität
    nahwärme netz ort parlament planung platz quartier rat schutz stadt stand verkehr
    versorgung wärme wohnung wohnungsbau zentrum zentren
    """.split()
)

ANALYSIS = {
    "analyzer": {
        "praxis_terms": {
            "type": "custom",
            "tokenizer": "whitespace",
            "filter": ["lowercase"],
        },
        "praxis_german": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": [
                "lowercase",
                "praxis_decompounder",
                "german_normalization",
                "praxis_german_stemmer",
            ],
        },
    },
    "filter": {
        "praxis_decompounder": {
            "type": "dictionary_decompounder",
            "word_list": DECOMPOUND_WORDS,
            "min_subword_size": 3,
            "only_longest_match": False,
        },
        "praxis_german_stemmer": {"type": "stemmer", "language": "light_german"},
    },
}


def search_server_backend(url, backend="opensearch3", index="praxisatlas"):
    """The WAGTAILSEARCH_BACKENDS entry for an OpenSearch / Elasticsearch server."""
    allowed = {"opensearch2", "opensearch3", "elasticsearch8", "elasticsearch9"}
    if backend not in allowed:
        raise ValueError(f"SEARCH_BACKEND must be one of {sorted(allowed)}, not {backend!r}")
    return {
        "BACKEND": f"wagtail.search.backends.{backend}",
        "URLS": [url],
        "INDEX_PREFIX": f"{index}_",
        "TIMEOUT": 5,
        "INDEX_SETTINGS": {"settings": {"analysis": ANALYSIS}},
    }
