"""Index settings and mappings for OpenSearch and Elasticsearch (no Django imports: read by
settings).

The ``praxis_terms`` analyzer indexes the terms our own German analyzer produced (fields
``title``, ``key_terms``, ``body_terms`` of ``SearchEntry``), so the search server matches
exactly what the database backends match, on every server (the emulator included). The
readable fields (``heading``, ``summary``, ``text``) get the server's German analysis as well:
decompounding against a domain word list, German normalisation (ä -> a, ae -> a, ß -> ss),
the light German stemmer and, at query time, the editors' synonyms (``synonym_graph``). They
serve highlighting and direct use of the index (Dashboards, other clients).
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
        # Readable words, only lowercased: what "Meinten Sie …?" offers.
        "praxis_spell": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase"]},
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

# Keyword fields the facets filter and count on (facet parameter -> field).
FACET_FIELDS = {
    "thema": "themes",
    "land": "states",
    "groesse": "size_classes",
    "status": "status",
    "foerderung": "funding",
    "zeitraum": "period",
    "art": "kind",
    "budget": "budget_range",
    "dauer": "duration_class",
    "reichweite": "scope",
}

_KEYWORD = {"type": "keyword"}
_TERMS = {"type": "text", "analyzer": "praxis_terms"}
_STORED_ONLY = {"type": "keyword", "index": False, "doc_values": False}


def german_text(synonyms):
    """A readable text field: the German analysis, with the synonyms when searching."""
    field = {"type": "text", "analyzer": "praxis_german"}
    if synonyms:
        field["search_analyzer"] = "praxis_german_synonyms"
    return field


MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "entry_id": {"type": "long"},
        "page_id": {"type": "long"},
        "url_path": _STORED_ONLY,
        # The url_paths of the pages above the entry's page: a library lists the entries
        # below it (SearchRequest.within).
        "within": _KEYWORD,
        # The heading as the "titel" sort compares it (search.analysis.title_sort_key).
        "heading_sort": _KEYWORD,
        "title": _TERMS,
        "key_terms": _TERMS,
        "body_terms": _TERMS,
        **dict.fromkeys(FACET_FIELDS.values(), _KEYWORD),
        "theme_names": _KEYWORD,
        "tags": _KEYWORD,
        "tags_folded": _KEYWORD,
        "towns": _KEYWORD,
        "period_start": {"type": "integer"},
        "population": {"type": "integer"},
        # ln(population): "places like mine" scores similar populations on a log scale.
        "log_population": {"type": "float"},
        "published_at": {"type": "date"},
        # The quality prior: rank_feature for scoring, a float for sorting ("dokumentiert").
        "quality": {"type": "rank_feature"},
        "quality_value": {"type": "float"},
        # The readable words of title, summary, places, tags and themes, for spelling hints.
        "spell": {"type": "text", "analyzer": "praxis_spell"},
        # Titles, towns, tags and theme names, folded (ä -> ae), for autocomplete.
        "suggest": {"type": "search_as_you_type", "analyzer": "praxis_terms"},
    },
}


# The passage vectors of the semantic search (search/semantic/): up to three per entry (title
# with summary, key facts, the mean of the story chunks), one k-NN field each, so an entry
# counts with its best row as on the database path (dis_max over the three fields).
VECTOR_FIELDS = ("passage_vector_0", "passage_vector_1", "passage_vector_2")


def vector_mapping(dim, backend):
    """A k-NN field of ``dim`` dimensions: ``knn_vector`` (OpenSearch, HNSW, inner product on
    normalised vectors = cosine) or ``dense_vector`` (Elasticsearch, dot_product)."""
    if backend.startswith("elasticsearch"):
        return {"type": "dense_vector", "dims": dim, "index": True, "similarity": "dot_product"}
    return {
        "type": "knn_vector",
        "dimension": dim,
        "method": {"name": "hnsw", "space_type": "innerproduct", "engine": "lucene"},
    }


def index_body(synonyms=(), vector_dim=None, backend="opensearch3"):
    """Settings and mappings of a new index. ``synonyms``: rules in Solr format (the editors'
    Synonym rows), applied at query time to the readable fields by ``synonym_graph``.
    ``vector_dim``: the embedding size when the semantic search is on (k-NN fields)."""
    analysis = {
        "analyzer": dict(ANALYSIS["analyzer"]),
        "filter": dict(ANALYSIS["filter"]),
    }
    if synonyms:
        analysis["filter"]["praxis_synonyms"] = {
            "type": "synonym_graph",
            "synonyms": list(synonyms),
            "lenient": True,
        }
        analysis["analyzer"]["praxis_german_synonyms"] = {
            "type": "custom",
            "tokenizer": "standard",
            "filter": [
                "lowercase",
                "praxis_synonyms",
                "german_normalization",
                "praxis_german_stemmer",
            ],
        }
    mappings = {
        **MAPPINGS,
        "properties": {
            **MAPPINGS["properties"],
            "heading": german_text(synonyms),
            "summary": german_text(synonyms),
            "text": german_text(synonyms),
        },
    }
    settings = {"number_of_shards": 1, "analysis": analysis}
    if vector_dim:
        field = vector_mapping(vector_dim, backend)
        mappings["properties"].update(dict.fromkeys(VECTOR_FIELDS, field))
        if not backend.startswith("elasticsearch"):
            settings["index"] = {"knn": True}
    return {"settings": settings, "mappings": mappings}


ENGINE_BACKENDS = {"opensearch2", "opensearch3", "elasticsearch8", "elasticsearch9"}


def search_engine(url, backend="opensearch3", index="praxisatlas"):
    """The SEARCH_ENGINE setting for an OpenSearch / Elasticsearch server."""
    if backend not in ENGINE_BACKENDS:
        raise ValueError(
            f"SEARCH_BACKEND must be one of {sorted(ENGINE_BACKENDS)}, not {backend!r}"
        )
    return {"URL": url, "BACKEND": backend, "INDEX": index, "TIMEOUT": 5}


def search_server_backend(url, backend="opensearch3", index="praxisatlas"):
    """The WAGTAILSEARCH_BACKENDS entry for an OpenSearch / Elasticsearch server (Wagtail's
    own backend; the site's search uses SEARCH_ENGINE instead, see search/engines/)."""
    if backend not in ENGINE_BACKENDS:
        raise ValueError(
            f"SEARCH_BACKEND must be one of {sorted(ENGINE_BACKENDS)}, not {backend!r}"
        )
    return {
        "BACKEND": f"wagtail.search.backends.{backend}",
        "URLS": [url],
        "INDEX_PREFIX": f"{index}_",
        "TIMEOUT": 5,
        "INDEX_SETTINGS": {"settings": {"analysis": ANALYSIS}},
    }
