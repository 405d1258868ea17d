"""The one search of the site.

The search page, the JSON API, autocomplete, the partner widget and the feeds all call
:func:`search`, so ranking is the same everywhere. A query goes through four steps:

1. The German analyzer (``search.analysis``) turns it into groups of weighted terms:
   stems, compound parts, spelling corrections from the vocabulary of the library, and
   synonyms from the editors' list.
2. The configured Wagtail search backend (SQLite FTS5, PostgreSQL full text, OpenSearch or
   Elasticsearch) retrieves candidate entries for those terms with its own score. Every
   backend indexes the same analysed terms (``SearchEntry``), so they agree on what matches.
3. The candidates are re-ranked here with features every backend shares: which query words
   occur in the title and in the key facts (themes, tags, places), weighted by rarity.
4. Facet filters and facet counts are computed from an in-process snapshot of the entries'
   facts (themes, states, size classes, status, funding, period), so facets combine with the
   query and with each other at no extra query cost.

The snapshot (facts, vocabulary, synonyms, autocomplete labels) is rebuilt when the entries
or synonyms change; every search checks that with one cheap aggregate query.
"""

import html
import logging
import math
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from django.db import DatabaseError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.geo import SizeClass, State

from . import retrieval
from .analysis import (
    ANALYZER_VERSION,
    WEIGHT_PART,
    WEIGHT_SUBCOMPOUND,
    GermanAnalyzer,
    Vocabulary,
    display_forms,
    parse_synonyms,
)
from .models import SearchEntry, Synonym
from .semantic import fusion

logger = logging.getLogger(__name__)

MAX_CANDIDATES = 2000
# How the re-ranking combines the backend's text score, matches in title and key facts, and
# the documentation quality of the case (tuned on tests/relevance/judgements.json).
RANK_WEIGHTS = {"coverage": 0.3, "text": 0.3, "fields": 0.2, "quality": 0.2}
MIN_COVERAGE = 0.75
# The library is about cases: a guide, glossary entry or event that matches as well as a case
# ranks after it (they still show up, and the "art" facet selects them).
KIND_PRIOR = {"case": 1.0, "guide": 0.8, "event": 0.75, "glossary": 0.75}
COMMON_SHARE = 0.5
MAX_PAGE_SIZE = 50
MAX_QUERY_LENGTH = 200
# Control characters (and the XML non-characters) mean nothing in a query and cannot be
# written into a feed or any XML answer: they become spaces.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean_query(text):
    return CONTROL_CHARACTERS.sub(" ", text or "").strip()


PERIOD_BUCKETS = [
    ("bis-2014", _("bis 2014"), None, 2014),
    ("2015-2019", _("2015–2019"), 2015, 2019),
    ("2020-2022", _("2020–2022"), 2020, 2022),
    ("ab-2023", _("ab 2023"), 2023, None),
]
SORTS = {
    "relevanz": _("Relevanz"),
    "neu": _("Neueste zuerst"),
    "groesse": _("Kleinste Orte zuerst"),
    # By the structured start of a case's period (entries without one last).
    "beginn": _("Jüngste Projekte zuerst"),
    "dokumentiert": _("Am besten dokumentiert"),
}
# Facet parameter (as in URLs and the API) -> label.
FACETS = {
    "thema": _("Thema"),
    "land": _("Bundesland"),
    "groesse": _("Stadtgröße"),
    "status": _("Status"),
    "foerderung": _("Förderprogramm"),
    "zeitraum": _("Beginn"),
    "art": _("Art"),
    "budget": _("Budgetrahmen"),
    "dauer": _("Zeitbedarf"),
    "reichweite": _("Reichweite"),
}
# Transfer facets: parameter -> (EntryFacts attribute, choices in casestudies.models).
TRANSFER_FACETS = {
    "budget": ("budget_range", "BudgetRange"),
    "dauer": ("duration_class", "DurationClass"),
    "reichweite": ("scope", "Scope"),
}


def _transfer_choices(name):
    from casestudies import models as case_models

    return getattr(case_models, TRANSFER_FACETS[name][1])


# State code -> label (State.values and State(code) rebuild the enum's choices on every use).
STATE_LABELS = {state.value: state.label for state in State}


class SearchError(ValueError):
    """A bad search parameter; the message is meant for the user."""


@dataclass
class SearchRequest:
    query: str = ""
    filters: dict = field(default_factory=dict)
    sort: str = "relevanz"
    page: int = 1
    page_size: int = 10

    def __post_init__(self):
        self.query = clean_query(self.query)
        if len(self.query) > MAX_QUERY_LENGTH:
            raise SearchError(
                _("Die Suchanfrage ist zu lang (höchstens %d Zeichen).") % MAX_QUERY_LENGTH
            )
        if self.sort not in SORTS:
            raise SearchError(
                _("Unbekannte Sortierung „%(sort)s“; erlaubt: %(allowed)s")
                % {"sort": self.sort, "allowed": ", ".join(SORTS)}
            )
        if not isinstance(self.page, int) or self.page < 1:
            raise SearchError(_("Die Seite muss eine positive ganze Zahl sein."))
        if not isinstance(self.page_size, int) or not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise SearchError(_("page_size muss zwischen 1 und %d liegen.") % MAX_PAGE_SIZE)
        unknown = set(self.filters) - set(FACETS)
        if unknown:
            raise SearchError(_("Unbekannter Filter „%s“.") % sorted(unknown)[0])
        self.filters = {
            name: [str(value) for value in values if str(value).strip()]
            for name, values in self.filters.items()
        }
        self.filters = {name: values for name, values in self.filters.items() if values}


@dataclass
class PageRef:
    id: int
    slug: str
    url: str
    title: str


@dataclass
class Hit:
    entry_id: int
    page: PageRef
    kind: str
    summary: str
    towns: list
    states: list
    themes: list
    score: float
    highlight: str = ""
    # A case's transfer facts, for its card; filled by the page that shows it
    # (casestudies.transfer_facts.attach_transfer_facts), not by the search.
    transfer_facts: list | None = None

    @property
    def kind_label(self):
        """The kind as a badge on anything but a case."""
        if self.kind == SearchEntry.Kind.CASE:
            return ""
        kinds = SearchEntry.Kind
        return str(kinds(self.kind).label) if self.kind in kinds.values else self.kind

    @property
    def state_names(self):
        return [STATE_LABELS[code] for code in self.states if code in STATE_LABELS]


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchResponse:
    request: SearchRequest
    count: int
    results: list
    facets: dict
    suggestion: str | None
    promotions: list
    backend: str
    took_ms: float
    analyzed: object = None

    @property
    def num_pages(self):
        return max(1, math.ceil(self.count / self.request.page_size))


# ---------------------------------------------------------------------------------------------
# The snapshot of the library's searchable facts, kept per process
# ---------------------------------------------------------------------------------------------


@dataclass
class EntryFacts:
    id: int
    page_id: int
    kind: str
    heading: str
    url_path: str
    summary: str
    themes: tuple
    theme_names: tuple
    tags: tuple
    towns: tuple
    states: tuple
    size_classes: tuple
    status: str
    funding: tuple
    period: str
    population: int | None
    published_at: object
    title_terms: frozenset
    key_terms: frozenset
    quality: float = 0.0
    terms: frozenset = frozenset()  # title and key terms together
    start: int | None = None  # the year the period starts
    budget_range: str = ""
    duration_class: str = ""
    scope: str = ""

    def facet_values(self, name):
        if name == "thema":
            return self.themes
        if name == "land":
            return self.states
        if name == "groesse":
            return self.size_classes
        if name == "status":
            return (self.status,) if self.status else ()
        if name == "foerderung":
            return self.funding
        if name == "zeitraum":
            return (self.period,) if self.period else ()
        if name == "art":
            return (self.kind,)
        if name in TRANSFER_FACETS:
            value = getattr(self, TRANSFER_FACETS[name][0])
            return (value,) if value else ()
        return ()


def _period_bucket(start):
    if start is None:
        return ""
    for key, _label, low, high in PERIOD_BUCKETS:
        if (low is None or start >= low) and (high is None or start <= high):
            return key
    return ""


class Snapshot:
    def __init__(self, version):
        from casestudies.models import FundingProgramme, Theme

        self.version = version
        self.entries = {}
        document_frequency = Counter()
        rows = SearchEntry.objects.values_list(
            "id",
            "page_id",
            "kind",
            "heading",
            "url_path",
            "summary",
            "themes",
            "theme_names",
            "tags",
            "towns",
            "states",
            "size_classes",
            "status",
            "funding",
            "period_start",
            "population",
            "published_at",
            "title",
            "key_terms",
            "body_terms",
            "quality",
            "budget_range",
            "duration_class",
            "scope",
        )
        for row in rows.iterator(chunk_size=500):
            (
                pk,
                page_id,
                kind,
                heading,
                url_path,
                summary,
                themes,
                theme_names,
                tags,
                towns,
                states,
                sizes,
                status,
                funding,
                start,
                population,
                published,
                title,
                key,
                body,
                quality,
                budget_range,
                duration_class,
                scope,
            ) = row
            title_terms = frozenset(title.split())
            key_terms = frozenset(key.split())
            document_frequency.update(title_terms | key_terms | set(body.split()))
            self.entries[pk] = EntryFacts(
                id=pk,
                page_id=page_id,
                kind=kind,
                heading=heading,
                url_path=url_path,
                summary=summary,
                themes=tuple(themes.split()),
                theme_names=tuple(filter(None, theme_names.split("|"))),
                tags=tuple(filter(None, tags.split("|"))),
                towns=tuple(filter(None, towns.split("|"))),
                states=tuple(states.split()),
                size_classes=tuple(sizes.split()),
                status=status,
                funding=tuple(funding.split()),
                period=_period_bucket(start),
                start=start,
                population=population,
                published_at=published,
                title_terms=title_terms,
                key_terms=key_terms,
                quality=quality,
                budget_range=budget_range,
                duration_class=duration_class,
                scope=scope,
            )
        self.document_count = max(1, len(self.entries))
        readable = display_forms(
            (
                " ".join((e.heading, e.summary, *e.tags, *e.towns, *e.theme_names))
                for e in self.entries.values()
            ),
            document_analyzer(),
        )
        self.vocabulary = Vocabulary(dict(document_frequency), readable)
        rules = []
        for rule in Synonym.objects.filter(active=True).values_list("rule", flat=True):
            try:
                rules.extend(parse_synonyms([rule]))
            except ValueError:
                logger.warning("Ignoring unreadable synonym rule %r", rule)
        self.analyzer = GermanAnalyzer(vocabulary=self.vocabulary, synonyms=rules)
        self.theme_labels = dict(Theme.objects.values_list("slug", "name"))
        self.funding_labels = {
            str(pk): name for pk, name in FundingProgramme.objects.values_list("pk", "name")
        }
        # One bit per entry, in this order; a facet value's bitmap has the bits of its entries.
        self.position = {pk: index for index, pk in enumerate(self.entries)}
        self.all_bits = (1 << len(self.entries)) - 1
        self.facet_bits = {name: {} for name in FACETS}
        for pk, entry in self.entries.items():
            bit = 1 << self.position[pk]
            for name, bitmaps in self.facet_bits.items():
                for value in set(entry.facet_values(name)):
                    bitmaps[value] = bitmaps.get(value, 0) | bit
        self.smallest_first = sorted(
            self.entries.values(), key=lambda e: (e.population is None, e.population or 0, e.id)
        )
        self.newest_first = sorted(
            self.entries.values(),
            key=lambda e: (e.published_at is not None, e.published_at, e.id),
            reverse=True,
        )
        # The same orders as arrays of positions, and the entry id at each position.
        self.ids = np.array(list(self.entries), dtype=np.int64)
        self.newest_positions = np.array(
            [self.position[e.id] for e in self.newest_first], dtype=np.int64
        )
        self.smallest_positions = np.array(
            [self.position[e.id] for e in self.smallest_first], dtype=np.int64
        )
        latest_start_first = sorted(
            self.entries.values(),
            key=lambda e: (e.start is not None, e.start or 0, e.id),
            reverse=True,
        )
        self.latest_start_positions = np.array(
            [self.position[e.id] for e in latest_start_first], dtype=np.int64
        )
        self.best_documented_positions = np.array(
            [
                self.position[e.id]
                for e in sorted(self.newest_first, key=lambda e: -e.quality)  # stable: newest
            ],
            dtype=np.int64,
        )
        self._autocomplete = None
        self._label_texts = {}
        self.root_path = _site_root_path()

    def bitmap_of(self, pks):
        """The bitmap of a set of entry ids (ids the snapshot does not know are ignored)."""
        positions = _match_index(self).positions_of(np.fromiter(pks, dtype=np.int64))
        mask = np.zeros(len(self.entries), dtype=bool)
        mask[positions[positions >= 0]] = True
        return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")

    def mask_of(self, bits):
        """A bitmap as a numpy array of booleans, one per entry in snapshot order (testing
        a bit of a Python integer this long costs a shift of the whole integer)."""
        size = len(self.entries)
        raw = np.frombuffer(bits.to_bytes((size + 7) // 8, "little"), dtype=np.uint8)
        return np.unpackbits(raw, count=size, bitorder="little").view(bool)

    def union_of(self, name, values):
        bits = 0
        for value in values:
            bits |= self.facet_bits[name].get(value, 0)
        return bits

    def known_values(self, name):
        from casestudies.models import Status

        if name == "thema":
            return self.theme_labels
        if name == "land":
            return set(State.values)
        if name == "groesse":
            return set(SizeClass.values)
        if name == "status":
            return set(Status.values)
        if name == "foerderung":
            return self.funding_labels
        if name == "zeitraum":
            return {key for key, *_rest in PERIOD_BUCKETS}
        if name == "art":
            return set(SearchEntry.Kind.values)
        if name in TRANSFER_FACETS:
            return set(_transfer_choices(name).values)
        return set()

    def share(self, group):
        """The share of entries that contain the group's rarest term."""
        frequency = min(self.vocabulary.frequency(term) for term, _w in group)
        return frequency / self.document_count

    def idf(self, term):
        frequency = self.vocabulary.frequency(term)
        return math.log(1 + (self.document_count - frequency + 0.5) / (frequency + 0.5))

    def facet_label(self, name, value):
        if name == "thema":
            return self.theme_labels.get(value, value)
        if name == "land":
            return State(value).label if value in State.values else value
        if name == "groesse":
            return SizeClass(value).label if value in SizeClass.values else value
        if name == "status":
            from casestudies.models import Status

            return Status(value).label if value in Status.values else value
        if name == "foerderung":
            return self.funding_labels.get(value, value)
        if name == "zeitraum":
            return next((str(label) for key, label, *_r in PERIOD_BUCKETS if key == value), value)
        if name == "art":
            return SearchEntry.Kind(value).label if value in SearchEntry.Kind.values else value
        if name in TRANSFER_FACETS:
            choices = _transfer_choices(name)
            return choices(value).label if value in choices.values else value
        return value

    def facet_label_text(self, name, value):
        """``facet_label`` as text in the active language, remembered per snapshot (the
        labels come from the snapshot and the enums; a search shows about 80 of them)."""
        key = (get_language(), name, value)
        text = self._label_texts.get(key)
        if text is None:
            text = self._label_texts[key] = str(self.facet_label(name, value))
        return text

    @property
    def autocomplete_labels(self):
        if self._autocomplete is None:
            self._autocomplete = _build_autocomplete(self)
        return self._autocomplete


_snapshot = None
_snapshot_lock = threading.Lock()


def _current_version():
    """What the snapshot depends on: the analyzer and the content generation (a token in the
    database, read once per request; core.cache). Every change to a search entry, a synonym,
    a label the facets show (themes, funding programmes) or the site's root replaces it in
    the transaction of the change, so every worker on every host rebuilds on its next search."""
    from core.cache import generation

    return (ANALYZER_VERSION, generation())


def snapshot():
    """The current snapshot, rebuilt if the content generation changed since it was built."""
    global _snapshot
    version = _current_version()
    current = _snapshot
    if current is not None and current.version == version:
        return current
    with _snapshot_lock:
        if _snapshot is None or _snapshot.version != version:
            started = time.perf_counter()
            _snapshot = Snapshot(version)
            logger.info(
                "Search snapshot built: %d entries in %.0f ms",
                len(_snapshot.entries),
                (time.perf_counter() - started) * 1000,
            )
        return _snapshot


def reset_snapshot():
    global _snapshot
    _snapshot = None


@lru_cache(maxsize=1)
def document_analyzer():
    """The analyzer for documents: index terms do not depend on the vocabulary."""
    return GermanAnalyzer()


# ---------------------------------------------------------------------------------------------
# Backends
# ---------------------------------------------------------------------------------------------


def _retrieve(structure, strict, backend_name):
    """(entry id, score) candidates, best first, and the name of the retriever used."""
    retriever = retrieval.retriever_for(backend_name)
    try:
        return retriever.search(structure, strict), retriever.name
    except Exception:
        if isinstance(retriever, retrieval.WagtailBackendRetriever):
            # The search server is unreachable: the database still answers.
            logger.exception(
                "Search backend %r failed; falling back to the database", retriever.name
            )
            fallback = retrieval.database_retriever()
            return fallback.search(structure, strict), fallback.name + " (fallback)"
        raise


# ---------------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------------


def search(request, backend=None, log=False):
    """Run a search request; see the module docstring."""
    started = time.perf_counter()
    snap = snapshot()
    analyzed = snap.analyzer.analyze_query(request.query) if request.query else None
    backend_name = backend or "default"

    _check_filter_values(snap, request.filters)
    if analyzed is not None:
        ranked, backend_name = _match(snap, analyzed, backend)
        # fusion point: dense retrieval (issue 16)
        ranked = fusion.fuse(request.query, ranked, snap, analyzed, KIND_PRIOR)
        candidates = snap.bitmap_of(pk for pk, _score in ranked)
    else:
        ranked = None  # browsing: every entry, in the order the sort asks for
        candidates = snap.all_bits

    # Facets as bitmaps (one bit per entry): a facet's counts apply every other facet's
    # filter but not its own, so its other values stay selectable.
    selected = request.filters
    filter_bits = {name: snap.union_of(name, values) for name, values in selected.items()}

    def allowed(skip=None):
        bits = candidates
        for name, value_bits in filter_bits.items():
            if name != skip:
                bits &= value_bits
        return bits

    facets = {}
    for name in FACETS:
        base = allowed(skip=name)
        values = []
        for value, value_bits in snap.facet_bits[name].items():
            count = (base & value_bits).bit_count()
            if count or value in selected.get(name, ()):
                values.append(
                    FacetValue(
                        value,
                        snap.facet_label_text(name, value),
                        count,
                        value in selected.get(name, ()),
                    )
                )
        for value in selected.get(name, ()):  # a selected value stays visible with 0 hits
            if value not in snap.facet_bits[name]:
                values.append(FacetValue(value, snap.facet_label_text(name, value), 0, True))
        values.sort(key=lambda v: (-v.count, v.label))
        facets[name] = values

    matching_bits = allowed()
    facts = snap.entries
    position = snap.position
    matches = snap.mask_of(matching_bits)
    if request.sort == "neu" or (request.sort == "relevanz" and ranked is None):
        scores = dict(ranked) if ranked is not None else None
        order = snap.newest_positions
        matching = [
            (pk, scores[pk] if scores else 0.0) for pk in snap.ids[order[matches[order]]].tolist()
        ]
    elif request.sort in ("groesse", "beginn", "dokumentiert"):
        scores = dict(ranked) if ranked is not None else {}
        order = {
            "groesse": snap.smallest_positions,
            "beginn": snap.latest_start_positions,
            "dokumentiert": snap.best_documented_positions,
        }[request.sort]
        matching = [(pk, scores.get(pk, 0.0)) for pk in snap.ids[order[matches[order]]].tolist()]
    elif not filter_bits:
        matching = ranked  # every ranked entry is a candidate
    else:
        matching = [(pk, score) for pk, score in ranked if matches[position[pk]]]

    count = len(matching)
    start = (request.page - 1) * request.page_size
    page_items = matching[start : start + request.page_size]
    query_terms = analyzed.all_terms() if analyzed else set()
    results = [
        _hit(snap, facts[pk], score, query_terms, snap.root_path) for pk, score in page_items
    ]

    # A corrected spelling is offered whenever the query needed one, found or not.
    suggestion = analyzed.suggestion if analyzed is not None else None

    promotions = _promotions(request.query) if request.query and request.page == 1 else []
    response = SearchResponse(
        request=request,
        count=count,
        results=results,
        facets=facets,
        suggestion=suggestion,
        promotions=promotions,
        backend=backend_name,
        took_ms=(time.perf_counter() - started) * 1000,
        analyzed=analyzed,
    )
    if log and request.query and request.page == 1:
        from .stats import record_query

        record_query(request.query, count)
    return response


def _check_filter_values(snap, filters):
    """Unknown facet values are a mistake in the request, not an empty result."""
    for name, values in filters.items():
        known = snap.known_values(name)
        for value in values:
            if value not in known:
                raise SearchError(
                    _("Unbekannter Wert „%(value)s“ für den Filter „%(name)s“.")
                    % {"value": value[:40], "name": name}
                )


def _match(snap, analyzed, backend):
    """Entries matching the query, ranked; and the name of the retriever that answered.

    Each query word is retrieved on its own, so every candidate's coverage is known: the
    share of the query's words it contains, each word weighted by its rarity (idf). An entry
    must cover at least MIN_COVERAGE of the query (or as much as the best entry does), so a
    common word ("Ort", "Stadt") cannot exclude a case that has the rare ones, and one rare
    word alone does not let every case with a common word in.
    """
    groups = []  # (weighted alternatives, part sets, retrieval alternatives) per query word
    for group, part_sets in zip(analyzed.groups, analyzed.part_sets, strict=True):
        alternatives = retrieval.word_alternatives(group, part_sets)
        if group and alternatives:
            groups.append((group, part_sets, alternatives))
    if not groups:
        return [], backend or "default"
    weights = [max(snap.idf(term) for term, _w in group) for group, _p, _a in groups]
    total_weight = sum(weights) or 1.0
    # A word in more than half of all entries hardly ranks but costs the most to retrieve:
    # it counts as present everywhere (unless every word of the query is that common).
    common = [snap.share(group) > COMMON_SHARE for group, _p, _a in groups]
    if all(common):
        common = [False] * len(groups)

    per_group = []
    backend_name = backend or "default"
    for (_group, _parts, alternatives), is_common in zip(groups, common, strict=True):
        if is_common:
            per_group.append(None)
            continue
        scored, backend_name = _retrieve([alternatives], True, backend)
        per_group.append(dict(scored))

    # The candidates in the order they were first retrieved (ties keep that order below).
    retrieved = [
        np.fromiter(scores, dtype=np.int64, count=len(scores))
        for scores in per_group
        if scores is not None
    ]
    every_pk = np.concatenate(retrieved) if retrieved else np.empty(0, dtype=np.int64)
    if not len(every_pk):
        return [], backend_name
    unique, first_seen, inverse = np.unique(every_pk, return_index=True, return_inverse=True)
    seen_order = np.argsort(first_seen)
    local = np.empty(len(unique), dtype=np.int64)
    local[seen_order] = np.arange(len(unique))
    candidates = unique[seen_order]
    local_of_retrieved = local[inverse.reshape(-1)]

    coverage = np.zeros(len(candidates))
    text = np.zeros(len(candidates))
    everywhere = 0.0
    offset = 0
    for weight, scores in zip(weights, per_group, strict=True):
        if scores is None:
            everywhere += weight / total_weight
            continue
        at = local_of_retrieved[offset : offset + len(scores)]
        offset += len(scores)
        values = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
        top = (float(values.max()) if len(values) else 0.0) or 1.0
        coverage[at] += weight / total_weight
        text[at] += weight / total_weight * np.maximum(values, 0.0) / top
    coverage += everywhere
    threshold = min(MIN_COVERAGE, float(coverage.max()) - 1e-9)

    index = _match_index(snap)
    positions = index.positions_of(candidates)
    kept = (positions >= 0) & ~(coverage < threshold)
    positions = positions[kept]
    fields = _field_scores(index, groups, weights, total_weight)[positions]
    score = (
        RANK_WEIGHTS["coverage"] * coverage[kept]
        + RANK_WEIGHTS["text"] * text[kept]
        + RANK_WEIGHTS["fields"] * fields
        + RANK_WEIGHTS["quality"] * index.quality[positions]
    ) * index.prior[positions]
    best_first = np.argsort(-score, kind="stable")
    ranked = list(
        zip(candidates[kept][best_first].tolist(), score[best_first].tolist(), strict=True)
    )
    return ranked, backend_name


class _MatchIndex:
    """What ``_match`` needs of every entry, per snapshot, as numpy arrays in snapshot order:
    for each analysed term the positions of the entries with it in the title and in the key
    facts, each entry's quality and kind prior, and entry id -> position. So the matches in
    title and key facts of all candidates are scored in a few vector operations instead of
    comparing sets entry by entry (10,000 cases: ~1 ms instead of ~13 ms per query)."""

    def __init__(self, snap):
        entries = list(snap.entries.values())
        self.size = len(entries)
        title, key = {}, {}
        for position, entry in enumerate(entries):
            for term in entry.title_terms:
                title.setdefault(term, []).append(position)
            for term in entry.key_terms:
                key.setdefault(term, []).append(position)
        self.title = {term: np.array(at, dtype=np.int64) for term, at in title.items()}
        self.key = {term: np.array(at, dtype=np.int64) for term, at in key.items()}
        self.quality = np.array([entry.quality for entry in entries], dtype=np.float64)
        self.prior = np.array(
            [KIND_PRIOR.get(entry.kind, 1.0) for entry in entries], dtype=np.float64
        )
        self.max_pk = max(snap.entries, default=0)
        self.position_of_pk = np.full(self.max_pk + 1, -1, dtype=np.int64)
        for pk, position in snap.position.items():
            self.position_of_pk[pk] = position

    def positions_of(self, pks):
        """Snapshot positions of entry ids, -1 for ids the snapshot does not know."""
        known = (pks >= 0) & (pks <= self.max_pk)
        positions = np.full(len(pks), -1, dtype=np.int64)
        positions[known] = self.position_of_pk[pks[known]]
        return positions


def _match_index(snap):
    index = snap.__dict__.get("_match_index")
    if index is None:
        index = snap.__dict__["_match_index"] = _MatchIndex(snap)
    return index


def _field_scores(index, groups, weights, total_weight):
    """0-1 per entry: how much of the query the title and the key facts (themes, tags,
    places) hold. A word's best form counts: in the title its weight, in the key facts 0.7
    of it; a set of compound parts counts (as a subcompound) only if the title has all of
    them. Single compound parts count only as such a set."""
    field_score = np.zeros(index.size)
    for (group, part_sets, _alternatives), weight in zip(groups, weights, strict=True):
        best = np.zeros(index.size)
        for term, term_weight in group:
            if term_weight == WEIGHT_PART:
                continue
            # An entry with the term in its title gets term_weight >= 0.7 * term_weight
            # whether or not its key facts have it too, as in an if/elif per entry.
            at = index.key.get(term)
            if at is not None:
                best[at] = np.maximum(best[at], 0.7 * term_weight)
            at = index.title.get(term)
            if at is not None:
                best[at] = np.maximum(best[at], term_weight)
        for part_set in part_sets:
            members = set(part_set)
            if not all(term in index.title for term in members):
                continue
            having = np.zeros(index.size, dtype=np.int64)
            for term in members:
                having[index.title[term]] += 1
            best = np.where(having == len(members), np.maximum(best, WEIGHT_SUBCOMPOUND), best)
        field_score += weight * best
    return field_score / total_weight


def _site_root_path():
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    return site.root_page.url_path if site else "/"


def _page_url(url_path, root_path):
    if root_path and url_path.startswith(root_path):
        return "/" + url_path[len(root_path) :]
    return url_path


def _hit(snap, entry, score, query_terms, root_path):
    slug = entry.url_path.rstrip("/").rsplit("/", 1)[-1]
    return Hit(
        entry_id=entry.id,
        page=PageRef(entry.page_id, slug, _page_url(entry.url_path, root_path), entry.heading),
        kind=entry.kind,
        summary=entry.summary,
        towns=list(entry.towns),
        states=list(entry.states),
        themes=list(entry.theme_names),
        score=round(score, 4),
        highlight=highlight(entry.summary, query_terms, snap)
        if query_terms
        else html.escape(entry.summary),
    )


# ---------------------------------------------------------------------------------------------
# Highlighting
# ---------------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+(?:-\w+)*", re.UNICODE)


@lru_cache(maxsize=50_000)
def _word_terms(word):
    return frozenset(document_analyzer().index_terms(word))


def highlight(text, query_terms, snap=None):
    """The text, HTML-escaped, with words that match the query wrapped in <mark>."""
    if not text:
        return ""
    parts = []
    position = 0
    for match in _WORD.finditer(text):
        word = match.group(0)
        parts.append(html.escape(text[position : match.start()]))
        if _word_terms(word) & query_terms:
            parts.append(f"<mark>{html.escape(word)}</mark>")
        else:
            parts.append(html.escape(word))
        position = match.end()
    parts.append(html.escape(text[position:]))
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# Editor's picks, autocomplete
# ---------------------------------------------------------------------------------------------


_promoted = (None, frozenset())  # (content generation, query strings with an editor's pick)


def _promoted_queries():
    """The (normalised) query strings that have editors' picks, read once per content
    generation: saving or deleting a pick replaces the generation (PAGE_CACHE_INVALIDATED_BY),
    as publishing does. None if the generation cannot be read."""
    global _promoted
    from wagtail.contrib.search_promotions.models import SearchPromotion

    from core.cache import generation

    try:
        token = generation()
    except DatabaseError:  # the generation's table is missing (not migrated yet)
        logger.warning("Content generation unknown; editors' picks read per search")
        return None
    token_seen, queries = _promoted
    if token_seen != token:
        queries = frozenset(
            SearchPromotion.objects.values_list("query__query_string", flat=True).distinct()
        )
        _promoted = (token, queries)
    return queries


def _promotions(query):
    from wagtail.contrib.search_promotions.models import SearchPromotion
    from wagtail.search.utils import normalise_query_string

    from core.visibility import public_ids

    try:
        promoted = _promoted_queries()
        if promoted is not None and normalise_query_string(query) not in promoted:
            return []
        # Reading, not Query.get(): that would write a row for every new query string.
        picks = (
            SearchPromotion.objects.filter(query__query_string=normalise_query_string(query))
            .select_related("page")
            .order_by("sort_order")
        )
        picks = [pick for pick in picks if pick.page]
        allowed = public_ids(pick.page_id for pick in picks)
        return [pick for pick in picks if pick.page_id in allowed]
    except DatabaseError:
        return []


@dataclass
class Suggestion:
    label: str
    kind: str
    url: str
    folded: str = ""


def _build_autocomplete(snap):
    from .analysis import fold

    root_path = snap.root_path
    labels = {}
    for entry in snap.entries.values():
        url = _page_url(entry.url_path, root_path)
        labels[("titel", entry.heading)] = url
        for town in entry.towns:
            labels.setdefault(("ort", town), f"/suche/?q={town}")
        for tag in entry.tags:
            labels.setdefault(("schlagwort", tag), f"/suche/?q={tag}")
        for theme, name in zip(entry.themes, entry.theme_names, strict=False):
            labels.setdefault(("thema", name), f"/suche/?thema={theme}")
    return [
        Suggestion(label=label, kind=kind, url=url, folded=fold(label))
        for (kind, label), url in labels.items()
    ]


AUTOCOMPLETE_KIND_ORDER = {"thema": 0, "ort": 1, "titel": 2, "schlagwort": 3}


def autocomplete(text, limit=8):
    """Titles, towns, tags and themes whose words start with what was typed."""
    from urllib.parse import quote

    from .analysis import fold

    words = fold(text).split()
    if not words or len(text) > MAX_QUERY_LENGTH:
        return []
    matches = []
    for suggestion in snapshot().autocomplete_labels:
        label_words = suggestion.folded.replace("-", " ").split()
        if all(any(lw.startswith(w) for lw in label_words) for w in words):
            starts = suggestion.folded.startswith(words[0])
            matches.append(
                (
                    not starts,
                    AUTOCOMPLETE_KIND_ORDER[suggestion.kind],
                    len(suggestion.label),
                    suggestion,
                )
            )
    matches.sort(key=lambda item: item[:3])
    result = []
    for *_key, suggestion in matches[:limit]:
        url = suggestion.url
        if url.startswith("/suche/?q="):
            url = "/suche/?q=" + quote(url[len("/suche/?q=") :])
        result.append(Suggestion(suggestion.label, suggestion.kind, url))
    return result


# ---------------------------------------------------------------------------------------------
# Related cases and "cases from places like mine"
# ---------------------------------------------------------------------------------------------

SIZE_ORDER = [choice.value for choice in SizeClass]


def _size_distance(classes_a, classes_b):
    """0 for a shared size class, 1 for neighbouring classes, more otherwise."""
    positions_a = [SIZE_ORDER.index(c) for c in classes_a if c in SIZE_ORDER]
    positions_b = [SIZE_ORDER.index(c) for c in classes_b if c in SIZE_ORDER]
    if not positions_a or not positions_b:
        return None
    return min(abs(a - b) for a in positions_a for b in positions_b)


@dataclass
class Recommendation:
    hit: Hit
    score: float
    reasons: list


def _related_features(snap):
    """What ``related`` compares, per entry, computed once per snapshot: the entry of each
    page, and each entry's themes, folded tags, title and key terms, towns, states and
    size-class positions."""
    features = snap.__dict__.get("_related_features")
    if features is None:
        by_page = {}
        per_entry = {}
        for entry in snap.entries.values():
            by_page.setdefault(entry.page_id, entry)
            per_entry[entry.id] = (
                frozenset(entry.themes),
                frozenset(fold_tag(t) for t in entry.tags),
                frozenset(entry.title_terms | entry.key_terms),
                frozenset(entry.towns),
                frozenset(entry.states),
                [SIZE_ORDER.index(c) for c in entry.size_classes if c in SIZE_ORDER],
            )
        features = snap.__dict__["_related_features"] = (by_page, per_entry)
    return features


class _RelatedIndex:
    """The features of ``_related_features`` as posting lists of entry positions, so that
    ``related`` scores every entry in a few vector operations (numpy) instead of comparing
    sets entry by entry: at 10,000 cases about 1 ms instead of ~100 ms per case."""

    def __init__(self, snap, per_entry):
        self.entries = list(snap.entries.values())
        self.position = {entry.id: i for i, entry in enumerate(self.entries)}
        postings = {}  # (feature, value) -> positions

        for i, entry in enumerate(self.entries):
            themes, tags, terms, towns, states, sizes = per_entry[entry.id]
            for feature, values in (
                ("theme", themes),
                ("tag", tags),
                ("term", terms),
                ("town", towns),
                ("state", states),
                ("size", set(sizes)),
            ):
                for value in values:
                    postings.setdefault((feature, value), []).append(i)
        self.postings = {key: np.array(value, dtype=np.int32) for key, value in postings.items()}
        self.term_counts = np.array(
            [len(per_entry[entry.id][2]) for entry in self.entries], dtype=np.float64
        )
        self.quality = np.array([entry.quality for entry in self.entries], dtype=np.float64)
        kinds = sorted({entry.kind for entry in self.entries})
        self.kind_codes = {kind: code for code, kind in enumerate(kinds)}
        self.kinds = np.array([self.kind_codes[entry.kind] for entry in self.entries])

    def count(self, feature, values):
        """How many of ``values`` each entry has."""
        lists = [self.postings[(feature, v)] for v in values if (feature, v) in self.postings]
        if not lists:
            return np.zeros(len(self.entries), dtype=np.int64)
        return np.bincount(np.concatenate(lists), minlength=len(self.entries))


def _related_index(snap, per_entry):
    index = snap.__dict__.get("_related_index")
    if index is None:
        index = snap.__dict__["_related_index"] = _RelatedIndex(snap, per_entry)
    return index


def _best_related(snap, per_entry, source, limit):
    """The ``limit`` best entries like ``source``, as (score, entry, shared themes, same
    town, same size, same state), best first, ties by heading. The scores are the same
    floating-point operations in the same order as a per-entry loop would do."""
    index = _related_index(snap, per_entry)
    s_themes, s_tags, s_terms, s_towns, s_states, s_sizes = per_entry[source.id]
    shared_terms = index.count("term", s_terms).astype(np.float64)
    union = len(s_terms) + index.term_counts - shared_terms
    score = (
        2.0 * index.count("theme", s_themes)
        + 1.5 * index.count("tag", s_tags)
        + 6.0 * (shared_terms / np.where(union == 0, 1.0, union))
    )
    similar = fusion.similar_to_entry(source.id)  # closeness in meaning (issue 16)
    if similar:
        score = score + 2.0 * np.fromiter(
            (similar.get(entry.id, 0.0) for entry in index.entries), dtype=np.float64
        )
    eligible = (score != 0) & (index.kinds == index.kind_codes[source.kind])
    eligible[index.position[source.id]] = False
    same_town = index.count("town", s_towns) > 0
    same_size = index.count("size", set(s_sizes)) > 0
    same_state = index.count("state", s_states) > 0
    score = score + np.where(same_town, 2.0, 0.0)
    score = score + np.where(same_size, 1.0, 0.0)
    score = score + np.where(same_state, 0.5, 0.0)
    score = score + 1.5 * index.quality
    candidates = np.flatnonzero(eligible)
    if len(candidates) > limit:
        # Everything scoring at least the limit-th best score, so ties are broken by heading.
        threshold = np.partition(score[candidates], -limit)[-limit]
        candidates = candidates[score[candidates] >= threshold]
    ranked = sorted(candidates.tolist(), key=lambda i: (-score[i], index.entries[i].heading))[
        :limit
    ]
    return [
        (
            float(score[i]),
            index.entries[i],
            s_themes & per_entry[index.entries[i].id][0],
            bool(same_town[i]),
            bool(same_size[i]),
            bool(same_state[i]),
        )
        for i in ranked
    ]


def related(page_id, limit=3):
    """Cases like the given one: shared themes and tags, similar words in title and key
    facts, and a similar town profile (size class, state)."""
    snap = snapshot()
    by_page, per_entry = _related_features(snap)
    source = by_page.get(page_id)
    if source is None:
        return []
    # Kept per snapshot in this process. Not shared through Django's cache: computing them
    # (about 1.5 ms with 10,000 cases) is cheaper than writing a cache file.
    cache = snap.__dict__.setdefault("_related", {})
    if page_id in cache:
        return cache[page_id][:limit]
    best = _best_related(snap, per_entry, source, 12)
    root_path = snap.root_path
    recommendations = []
    # The reasons (translated labels) only for the cases shown.
    for score, entry, shared_themes, same_town, same_size, same_state in best:
        reasons = [snap.facet_label("thema", t) for t in sorted(shared_themes)]
        if same_town:
            reasons.insert(0, str(_("gleicher Ort")))
        if same_size:
            reasons.append(str(_("gleiche Stadtgröße")))
        if same_state:
            reasons.append(str(_("gleiches Bundesland")))
        recommendations.append(
            Recommendation(_hit(snap, entry, score, set(), root_path), round(score, 3), reasons)
        )
    cache[page_id] = recommendations
    return recommendations[:limit]


def distance_km(a, b):
    """Great-circle distance of two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def fold_tag(tag):
    from .analysis import fold

    return fold(tag)


def places_like(population, state=None, themes=(), limit=10, point=None, locations=None):
    """Cases ranked by how well their towns fit a town of this population and state (and
    the chosen themes): same size class first, then similar population, same state, and
    nearness when the town's ``point`` (latitude, longitude) and the cases' ``locations``
    (page id -> points of its towns) are given."""
    from core.geo import size_class_for

    snap = snapshot()
    size_class = size_class_for(population)
    themes = set(themes)
    # With chosen themes, closeness in meaning to them is one more signal (issue 16).
    similar = fusion.similar_to_text(
        ", ".join(snap.facet_label_text("thema", t) for t in sorted(themes))
    )
    scored = []
    for entry in snap.entries.values():
        if entry.kind != "case" or not entry.size_classes:
            continue
        reasons = []
        score = 0.0
        distance = _size_distance([size_class], entry.size_classes)
        if distance == 0:
            score += 3.0
            reasons.append(str(_("gleiche Stadtgröße")))
        elif distance == 1:
            score += 1.5
            reasons.append(str(_("ähnliche Stadtgröße")))
        if entry.population and population:
            ratio = abs(math.log(entry.population / population))
            score += max(0.0, 1.0 - ratio / math.log(4))
        if state and state in entry.states:
            score += 1.0
            reasons.append(str(_("gleiches Bundesland")))
        shared = themes & set(entry.themes)
        if themes and not shared:
            continue
        score += 2.0 * len(shared)
        reasons.extend(snap.facet_label("thema", t) for t in sorted(shared))
        score += 1.0 * entry.quality + similar.get(entry.id, 0.0)
        if point is not None and locations and locations.get(entry.page_id):
            km = min(distance_km(point, other) for other in locations[entry.page_id])
            # Up to one point for a case next door, nothing from 200 km on.
            score += max(0.0, 1.0 - km / 200)
            if km < 1:
                reasons.append(str(_("am selben Ort")))
            elif km < 100:
                reasons.append(str(_("%(km)d km entfernt")) % {"km": round(km)})
        scored.append((score, entry, reasons))
    scored.sort(key=lambda item: (-item[0], item[1].heading))
    root_path = snap.root_path
    return [
        Recommendation(_hit(snap, entry, score, set(), root_path), round(score, 3), reasons)
        for score, entry, reasons in scored[:limit]
    ]
