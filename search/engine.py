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
4. Facet filters and facet counts are computed over every matching entry (no cut) from a
   compact per-process state of the entries' facts: numpy arrays of value codes per facet
   (themes, states, size classes, status, funding, period, ...), a few bytes per entry.

The state follows the content generation (one cheap query per request): entries changed
since it was built are patched in; a full build after a bulk change runs in a background
thread while the previous state answers. Each host keeps the state on disk
(``search.state_files``): the workers of a host map one copy, and a restarted worker starts
from it instead of building. Document frequencies and the spelling vocabulary
come from the database's full-text index (``search.vocabulary``); readable text is read from
the database for the hits shown.
"""

import html
import logging
import math
import re
import threading
import time
from array import array
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import quote

import numpy as np
from cachetools import LRUCache
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.models import Site
from wagtail.search.utils import normalise_query_string

from core.cache import generation, skip_page_cache
from core.geo import SizeClass, State, size_class_for
from core.visibility import public_ids

from . import retrieval, state_files
from .analysis import (
    ANALYZER_VERSION,
    WEIGHT_PART,
    WEIGHT_SUBCOMPOUND,
    GermanAnalyzer,
    fold,
    parse_synonyms,
    title_sort_key,
)
from .engines import server as engine_server
from .models import SearchEntry, Synonym
from .registry import facet_values
from .semantic import fusion
from .vocabulary import DatabaseVocabulary, cache_size

logger = logging.getLogger(__name__)

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
    # By the heading, folded (ä as ae) and without case: the library's "Titel A–Z".
    "titel": _("Titel A–Z"),
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
# Transfer facets: parameter -> SearchEntry attribute (values registered by casestudies).
TRANSFER_FACETS = {
    "budget": "budget_range",
    "dauer": "duration_class",
    "reichweite": "scope",
}
# Facets whose values and labels the domain apps register (search.registry).
REGISTERED_FACETS = ("status", *TRANSFER_FACETS)


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
    # Only entries of pages below this page (its url_path): a case library lists its own.
    within: str = ""

    def __post_init__(self):
        self.query = clean_query(self.query)
        if not isinstance(self.within, str):
            raise SearchError(_("Der Bereich muss ein Seitenpfad sein."))
        self.within = "/" + self.within.strip("/") + "/" if self.within.strip("/") else ""
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
    # Said to the user when the query was cut (MAX_QUERY_TERMS); empty otherwise.
    notice: str = ""

    @property
    def num_pages(self):
        return max(1, math.ceil(self.count / self.request.page_size))


# ---------------------------------------------------------------------------------------------
# The per-worker state: compact arrays of the entries' facts
# ---------------------------------------------------------------------------------------------

# Facet parameter -> how a SearchEntry row's value becomes the facet's values.
ENTRY_COLUMNS = (
    "id",
    "page_id",
    "kind",
    "themes",
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
    "quality",
    "budget_range",
    "duration_class",
    "scope",
    "updated_at",
    "url_path",
)
# Columns of values per entry besides the facets: related cases and autocomplete use them,
# a library's listing the pages above each entry ("within").
FEATURES = ("tag", "town", "title", "key", "within")
# A transaction may take its updated_at before another one that commits first: entries
# changed this many seconds before the newest one seen are read again on the next update.
UPDATE_OVERLAP_SECONDS = 5
# More changed entries than this (a bulk import, a rebuild) are not patched in during a
# request: a new state is built in the background while the previous one keeps serving.
INCREMENTAL_LIMIT = 2000
# A patched state keeps the replaced entries' positions (masked as dead); past this share of
# dead positions a compact state is built in the background.
MAX_DEAD_SHARE = 0.25
NEVER = np.iinfo(np.int64).min + 1  # negated the largest: undated entries sort last
# Up to this many entries a patch runs in the request that notices the change (a few
# milliseconds); a larger library is patched in a background thread.
SYNC_PATCH_ENTRIES = 5000


# The per-entry arrays of a state (besides its columns), as written to disk.
STATE_ARRAYS = (
    "ids",
    "page_ids",
    "quality",
    "population",
    "start",
    "published",
    "updated",
    "alive",
)
# What a state derives from its arrays and the database (Snapshot._derive), and its caches.
DERIVED = (
    "prior",
    "max_pk",
    "position_of_pk",
    "size",
    "document_count",
    "theme_labels",
    "funding_labels",
    "registered_labels",
    "root_path",
    "vocabulary",
    "analyzer",
    "_orders",
    "_label_texts",
    "related_cache",
    "_folded_tags",
)


def _one(value):
    return [value] if value else []


def ancestor_paths(url_path):
    """The url_paths of the pages above a page ("/home/" and "/home/faelle/" for
    "/home/faelle/fall/"): the values ``SearchRequest.within`` selects on both paths."""
    parts = url_path.strip("/").split("/")
    return ["/" + "/".join(parts[:depth]) + "/" for depth in range(1, len(parts))]


def _listed(text):
    return [part for part in text.split("|") if part]


# Facet or feature -> its values in a row (a dict of ENTRY_COLUMNS).
ROW_VALUES = {
    "thema": lambda row: row["themes"].split(),
    "land": lambda row: row["states"].split(),
    "groesse": lambda row: row["size_classes"].split(),
    "status": lambda row: _one(row["status"]),
    "foerderung": lambda row: row["funding"].split(),
    "zeitraum": lambda row: _one(_period_bucket(row["period_start"])),
    "art": lambda row: [row["kind"]],
    **{
        name: (lambda row, attribute=attribute: _one(row[attribute]))
        for name, attribute in TRANSFER_FACETS.items()
    },
    "tag": lambda row: _listed(row["tags"]),
    "town": lambda row: _listed(row["towns"]),
    "title": lambda row: row["title"].split(),
    "key": lambda row: row["key_terms"].split(),
    "within": lambda row: ancestor_paths(row["url_path"]),
}


def _microseconds(moment):
    """A datetime as microseconds since the epoch (the smallest int64 for None)."""
    if moment is None:
        return NEVER
    return int(moment.timestamp() * 1_000_000)


def _period_bucket(start):
    if start is None:
        return ""
    for key, _label, low, high in PERIOD_BUCKETS:
        if (low is None or start >= low) and (high is None or start <= high):
            return key
    return ""


class _ColumnBuilder:
    """Collects the values of a column entry by entry (compact ``array`` buffers, not lists of
    Python integers) and makes the ``Column`` in linear time; value codes continue those of
    ``previous`` so that columns can be appended."""

    def __init__(self, previous=None):
        self.values = list(previous.values) if previous is not None else []
        self.code_of = dict(previous.code_of) if previous is not None else {}
        self.counts = array("i")
        self.flat = array("i")

    def add(self, entry_values):
        unique = dict.fromkeys(entry_values)
        self.counts.append(len(unique))
        code_of, values, flat = self.code_of, self.values, self.flat
        for value in unique:
            code = code_of.get(value)
            if code is None:
                code = code_of[value] = len(values)
                values.append(value)
            flat.append(code)

    def column(self):
        counts = (
            np.frombuffer(self.counts, dtype=np.int32) if self.counts else np.empty(0, np.int32)
        )
        offsets = np.zeros(len(counts) + 1, dtype=np.int32)
        np.cumsum(counts, out=offsets[1:])
        codes = np.array(self.flat, dtype=np.int32)
        return Column(self.values, offsets, codes)


class Column:
    """The values of one facet or feature for every position, CSR-style: the value codes of
    position ``i`` are ``codes[offsets[i]:offsets[i + 1]]`` (int32), ``values[code]`` is the
    value. The inverted lists (positions per value) are built on first use."""

    def __init__(self, values, offsets, codes):
        self.values = values  # code -> value
        self.code_of = {value: code for code, value in enumerate(values)}
        self.offsets = offsets
        self.codes = codes
        self._owner = None
        self._inverted = None

    @classmethod
    def builder(cls, previous=None):
        return _ColumnBuilder(previous)

    def append(self, other):
        """This column followed by ``other`` (built with ``previous=self``). The owner and
        inverted lists, if built, are merged (the appended positions come last in every
        list) instead of being sorted again: a patch stays linear and cheap."""
        size = self.size
        offsets = np.concatenate([self.offsets, other.offsets[1:] + self.offsets[-1]])
        column = Column(other.values, offsets, np.concatenate([self.codes, other.codes]))
        if self._owner is not None:
            column._owner = np.concatenate([self._owner, other.owner + size]).astype(np.int32)
        if self._inverted is not None:
            column._inverted = self._merged_inverted(other, size)
        return column

    def _merged_inverted(self, other, size):
        starts, positions = self._inverted
        count = len(other.values)
        old_counts = np.zeros(count, dtype=np.int64)
        old_counts[: len(starts) - 1] = np.diff(starts)
        new_counts = np.bincount(other.codes, minlength=count)
        merged_starts = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(old_counts + new_counts, out=merged_starts[1:])
        merged = np.empty(len(positions) + len(other.codes), dtype=np.int32)
        old_codes = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
        merged[merged_starts[old_codes] + np.arange(len(positions)) - starts[old_codes]] = positions
        order = np.argsort(other.codes, kind="stable")
        new_codes = other.codes[order]
        rank = np.arange(len(order)) - np.searchsorted(new_codes, new_codes)
        merged[merged_starts[new_codes] + old_counts[new_codes] + rank] = other.owner[order] + size
        return merged_starts, merged

    @property
    def size(self):
        return len(self.offsets) - 1

    @property
    def owner(self):
        """The position of each code in ``codes``."""
        if self._owner is None:
            self._owner = np.repeat(
                np.arange(self.size, dtype=np.int32), np.diff(self.offsets)
            ).astype(np.int32)
        return self._owner

    def release_owner(self):
        self._owner = None

    def prepare(self):
        """Build the owner and inverted lists now."""
        self._inverted_lists()

    def of(self, position):
        return self.codes[self.offsets[position] : self.offsets[position + 1]]

    def values_of(self, position):
        return [self.values[code] for code in self.of(position).tolist()]

    def _inverted_lists(self):
        if self._inverted is None:
            order = np.argsort(self.codes, kind="stable")
            starts = np.searchsorted(self.codes[order], np.arange(len(self.values) + 1))
            self._inverted = (starts.astype(np.int64), self.owner[order])
        return self._inverted

    def positions(self, value):
        """Positions that have ``value`` (ascending)."""
        code = self.code_of.get(value)
        if code is None:
            return np.empty(0, dtype=np.int32)
        starts, positions = self._inverted_lists()
        return positions[starts[code] : starts[code + 1]]

    def positions_of_code(self, code):
        starts, positions = self._inverted_lists()
        return positions[starts[code] : starts[code + 1]]

    def mask(self, values):
        """Positions with any of ``values``, as booleans."""
        result = np.zeros(self.size, dtype=bool)
        for value in values:
            result[self.positions(value)] = True
        return result

    def counts(self, mask):
        """Per value code: how many positions in ``mask`` have it."""
        return np.bincount(self.codes[mask[self.owner]], minlength=len(self.values))

    def arrays(self):
        """The arrays of this column by name, as written to disk (search.state_files)."""
        arrays = {"offsets": self.offsets, "codes": self.codes}
        if self._owner is not None:
            arrays["owner"] = self._owner
        if self._inverted is not None:
            arrays["starts"], arrays["positions"] = self._inverted
        return arrays

    @classmethod
    def from_arrays(cls, values, arrays, same=None):
        """The column ``arrays()`` gave, with its ``values`` (read back from disk); ``same``:
        the column these were written from, whose values and look-up are taken as they are."""
        if same is not None and len(same.values) == len(values):
            column = cls.__new__(cls)
            column.values, column.code_of = same.values, same.code_of
            column.offsets, column.codes = arrays["offsets"], arrays["codes"]
        else:
            column = cls(values, arrays["offsets"], arrays["codes"])
        if len(column.offsets) < 1 or int(column.offsets[-1]) != len(column.codes):
            raise ValueError("column offsets do not fit its codes")
        column._owner = arrays.get("owner")
        if "starts" in arrays:
            if len(arrays["starts"]) != len(values) + 1:
                raise ValueError("column inverted lists do not fit its values")
            column._inverted = (arrays["starts"], arrays["positions"])
        return column

    def nbytes(self):
        total = self.offsets.nbytes + self.codes.nbytes
        if self._owner is not None:
            total += self._owner.nbytes
        if self._inverted is not None:
            total += sum(part.nbytes for part in self._inverted)
        return total


class Snapshot:
    """What the search keeps per worker: for every search entry (a position) its id, page,
    kind, quality, population, dates and the codes of its facet values, title terms and key
    terms (``Column``), as numpy arrays of a few bytes per entry. Readable text (headings,
    summaries) stays in the database and is read for the hits shown; the body terms stay in
    the full-text index, whose vocabulary gives the document frequencies
    (``search.vocabulary``). A state is never changed once built: ``patched`` returns a new
    one with the changed entries appended and their old positions masked as dead."""

    def __init__(self, version, rows=None, previous=None):
        self.version = version
        if rows is None:
            rows = SearchEntry.objects.values(*ENTRY_COLUMNS).order_by("id").iterator(2000)
        base = previous
        arrays, columns, newest = self._read(rows, base)
        ids = arrays["ids"]
        if base is not None:
            # Replaced entries: their old positions are dead.
            base_alive = base.alive.copy()
            old = base.positions_of(ids)
            base_alive[old[old >= 0]] = False
            for name, values in arrays.items():
                previous_values = base_alive if name == "alive" else getattr(base, name)
                arrays[name] = np.concatenate([previous_values, values])
            columns = {name: base.columns[name].append(col) for name, col in columns.items()}
            if base.updated_max is not None and (newest is None or base.updated_max > newest):
                newest = base.updated_max
        for name, values in arrays.items():
            setattr(self, name, values)
        if base is None:
            # Built here (in the build, maybe in the background), not by the first searches.
            for column in columns.values():
                column.prepare()
        self.columns = columns
        self.updated_max = newest
        # "built" or "patched" here; "loaded" when mapped from the host's files.
        self.origin = "built" if base is None else "patched"
        self._derive(base.vocabulary if base is not None else None)
        if base is not None and "_related_terms" in base.__dict__:
            self._related_terms = np.concatenate(
                [base._related_terms, _term_counts(columns, len(base.alive), len(self.alive))]
            )
        if base is None:
            _related_terms(self)  # in the build, not in the first case page's request
            for name in ("title", "key"):
                # The largest columns are read through their inverted lists only: the owner
                # of each code (4 bytes per term of every entry) is dropped.
                columns[name].release_owner()

    def _derive(self, vocabulary=None, like=None):
        """What follows from the arrays (kind priors, entry id -> position), what is read from
        the database as it is now (labels, the site root, synonyms, the vocabulary unless
        given) and the empty per-state caches; or all of that taken from ``like``, a state
        with the same arrays (the one just written to disk)."""
        if like is not None:
            for name in DERIVED:
                if name in like.__dict__:
                    setattr(self, name, like.__dict__[name])
            return
        self.prior = np.array(
            [KIND_PRIOR.get(kind, 1.0) for kind in self.columns["art"].values], dtype=np.float64
        )[self.kind_codes()]
        # Entry id -> position (the newest position of an id that was patched).
        self.max_pk = int(self.ids.max()) if len(self.ids) else 0
        self.position_of_pk = np.full(self.max_pk + 1, -1, dtype=np.int32)
        live = np.flatnonzero(self.alive)
        self.position_of_pk[self.ids[live]] = live
        self.size = int(self.alive.sum())
        self.document_count = max(1, self.size)
        self.theme_labels = facet_values("thema")
        self.funding_labels = facet_values("foerderung")
        self.registered_labels = {name: facet_values(name) for name in REGISTERED_FACETS}
        self.root_path = site_root_path()
        self.vocabulary = vocabulary if vocabulary is not None else _new_vocabulary()
        self.analyzer = GermanAnalyzer(vocabulary=self.vocabulary, synonyms=_synonym_rules())
        self._orders = {}
        self._label_texts = LRUCache(maxsize=cache_size())
        self.related_cache = LRUCache(maxsize=cache_size())

    # --- on disk (search.state_files) -------------------------------------------------------

    def file_parts(self):
        """(arrays by name, JSON-able meta) of this state, for search.state_files.save."""
        arrays = {name: getattr(self, name) for name in STATE_ARRAYS}
        if "_related_terms" in self.__dict__:
            arrays["related_terms"] = self._related_terms
        for name, column in self.columns.items():
            for part, values in column.arrays().items():
                arrays[f"column-{name}-{part}"] = values
        meta = {
            "updated_max": self.updated_max.isoformat() if self.updated_max else None,
            "entries": len(self.ids),
            "values": {name: column.values for name, column in self.columns.items()},
        }
        return arrays, meta

    @classmethod
    def from_files(cls, version, arrays, meta, vocabulary=None, like=None):
        """A state from ``file_parts`` read back (the arrays memory-mapped, read-only: a
        state is never changed once built, ``patched`` makes new arrays)."""
        state = cls.__new__(cls)
        state.version = version
        for name in STATE_ARRAYS:
            array = arrays[name]
            if len(array) != meta["entries"]:
                raise ValueError(f"{name} has {len(array)} rows, not {meta['entries']}")
            setattr(state, name, array)
        columns = {}
        for name in (*FACETS, *FEATURES):
            prefix = f"column-{name}-"
            parts = {key[len(prefix) :]: a for key, a in arrays.items() if key.startswith(prefix)}
            same = like.columns[name] if like is not None else None
            columns[name] = Column.from_arrays(meta["values"][name], parts, same)
            if columns[name].size != meta["entries"]:
                raise ValueError(f"column {name} does not fit the entries")
        state.columns = columns
        updated_max = meta.get("updated_max")
        state.updated_max = datetime.fromisoformat(updated_max) if updated_max else None
        state.origin = "loaded"
        state._derive(vocabulary, like)
        if "related_terms" in arrays:
            state._related_terms = arrays["related_terms"]
        return state

    @staticmethod
    def _read(rows, base):
        """Arrays and columns of the rows, read in one pass without keeping the rows, and
        the newest ``updated_at`` among them."""
        scalars = {
            "ids": array("q"),
            "page_ids": array("q"),
            "quality": array("d"),
            "population": array("q"),
            "start": array("i"),
            "published": array("q"),
            "updated": array("q"),
        }
        builders = {
            name: Column.builder(base.columns[name] if base is not None else None)
            for name in (*FACETS, *FEATURES)
        }
        extractors = [(builder, ROW_VALUES[name]) for name, builder in builders.items()]
        newest = None
        for row in rows:
            scalars["ids"].append(row["id"])
            scalars["page_ids"].append(row["page_id"])
            scalars["quality"].append(row["quality"])
            scalars["population"].append(-1 if row["population"] is None else row["population"])
            scalars["start"].append(-1 if row["period_start"] is None else row["period_start"])
            scalars["published"].append(_microseconds(row["published_at"]))
            scalars["updated"].append(_microseconds(row["updated_at"]))
            for builder, values in extractors:
                builder.add(values(row))
            updated = row["updated_at"]
            if updated is not None and (newest is None or updated > newest):
                newest = updated
        dtypes = {"quality": np.float64, "start": np.int32}
        arrays = {
            name: np.array(values, dtype=dtypes.get(name, np.int64))
            for name, values in scalars.items()
        }
        arrays["alive"] = np.ones(len(arrays["ids"]), dtype=bool)
        return arrays, {name: b.column() for name, b in builders.items()}, newest

    # --- incremental updates ----------------------------------------------------------------

    def patched(self, version):
        """A state for ``version`` with the entries changed since this one was built, or None
        if too much changed (then a new state is built in the background)."""
        changed = SearchEntry.objects.values(*ENTRY_COLUMNS).order_by("id")
        newest = SearchEntry.objects.aggregate(newest=Max("updated_at"))["newest"]
        if self.updated_max is not None and (newest is None or newest < self.updated_max):
            # Entries went back in time (a restored backup, a rolled-back transaction in
            # tests): which ones is unknown, so everything is read again.
            return None
        if self.updated_max is not None:
            since = self.updated_max - timedelta(seconds=UPDATE_OVERLAP_SECONDS)
            changed = changed.filter(updated_at__gte=since)
        rows = list(changed[: INCREMENTAL_LIMIT + 1])
        if len(rows) > INCREMENTAL_LIMIT:
            return None
        # Rows read again for the overlap but unchanged since (same updated_at) stay.
        known = self.positions_of([row["id"] for row in rows])
        rows = [
            row
            for row, position in zip(rows, known.tolist(), strict=True)
            if position < 0 or self.updated[position] != _microseconds(row["updated_at"])
        ]
        state = Snapshot(version, rows=rows, previous=self)
        if SearchEntry.objects.count() != state.size:
            state.drop_missing(set(SearchEntry.objects.values_list("id", flat=True)))
        if state.dead_share() > MAX_DEAD_SHARE:
            return None
        return state

    def drop_missing(self, existing_ids):
        """Mask the positions of entries that no longer exist (deleted pages)."""
        live = np.flatnonzero(self.alive)
        gone = live[~np.isin(self.ids[live], np.fromiter(existing_ids, dtype=np.int64))]
        self.alive[gone] = False
        self.position_of_pk[self.ids[gone]] = -1
        self.size = int(self.alive.sum())
        self.document_count = max(1, self.size)

    def dead_share(self):
        return 1 - self.size / max(1, len(self.alive))

    # --- look-ups -----------------------------------------------------------------------------

    def kind_codes(self):
        column = self.columns["art"]
        return column.codes[column.offsets[:-1]]  # exactly one kind per entry

    def positions_of(self, pks):
        """Positions of entry ids, -1 for ids this state does not know (or that are gone)."""
        pks = np.asarray(pks, dtype=np.int64)
        known = (pks >= 0) & (pks <= self.max_pk)
        positions = np.full(len(pks), -1, dtype=np.int64)
        positions[known] = self.position_of_pk[pks[known]]
        return positions

    def position_of_page(self, page_id):
        found = np.flatnonzero((self.page_ids == page_id) & self.alive)
        return int(found[0]) if len(found) else None

    def order(self, name):
        """Positions of the live entries in the order of a sort ("neu", "groesse", "beginn",
        "dokumentiert", "titel"), built once per state."""
        positions = self._orders.get(name)
        if positions is None:
            ids = self.ids
            if name == "neu":  # newest first, then the higher id
                positions = np.lexsort((-ids, -self.published))
            elif name == "groesse":  # smallest town first, entries without one last
                positions = np.lexsort((ids, self.population, self.population < 0))
            elif name == "beginn":  # latest start first, entries without one last
                positions = np.lexsort((-ids, -self.start))
            elif name == "titel":
                # Headings stay in the database (the state keeps no readable text): read
                # once per state, only when a listing asks for this order.
                headings = SearchEntry.objects.values_list("id", "heading")
                ordered = sorted(headings, key=lambda row: (title_sort_key(row[1]), row[0]))
                positions = self.positions_of([pk for pk, _heading in ordered])
                positions = positions[positions >= 0]
            else:  # best documented first; ties newest first
                newest = self.order("neu")
                positions = newest[np.argsort(-self.quality[newest], kind="stable")]
            positions = positions[self.alive[positions]]
            self._orders[name] = positions
        return positions

    def nbytes(self):
        """Bytes held by the arrays of this state (not counting the vocabulary)."""
        arrays = (self.ids, self.page_ids, self.quality, self.population, self.start)
        total = sum(a.nbytes for a in arrays) + self.published.nbytes + self.alive.nbytes
        total += self.updated.nbytes
        total += self.prior.nbytes + self.position_of_pk.nbytes
        return total + sum(column.nbytes() for column in self.columns.values())

    def known_values(self, name):
        if name == "thema":
            return self.theme_labels
        if name == "land":
            return set(State.values)
        if name == "groesse":
            return set(SizeClass.values)
        if name in self.registered_labels:
            return set(self.registered_labels[name])
        if name == "foerderung":
            return self.funding_labels
        if name == "zeitraum":
            return {key for key, *_rest in PERIOD_BUCKETS}
        if name == "art":
            return set(SearchEntry.Kind.values)
        return set()

    def share(self, group):
        """The share of entries that contain the group's rarest term (of those that some
        entry has: a synonym or correction no entry has would make every word rare)."""
        frequencies = [self.vocabulary.frequency(term) for term, _w in group]
        return min((f for f in frequencies if f), default=0) / self.document_count

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
        if name in self.registered_labels:
            return self.registered_labels[name].get(value, value)
        if name == "foerderung":
            return self.funding_labels.get(value, value)
        if name == "zeitraum":
            return next((str(label) for key, label, *_r in PERIOD_BUCKETS if key == value), value)
        if name == "art":
            return SearchEntry.Kind(value).label if value in SearchEntry.Kind.values else value
        return value

    def facet_label_text(self, name, value):
        """``facet_label`` as text in the active language, remembered per state (a search
        shows about 80 of them)."""
        key = (get_language(), name, value)
        text = self._label_texts.get(key)
        if text is None:
            text = self._label_texts[key] = str(self.facet_label(name, value))
        return text


def _synonym_rules():
    rules = []
    for rule in Synonym.objects.filter(active=True).values_list("rule", flat=True):
        try:
            rules.extend(parse_synonyms([rule]))
        except ValueError:
            logger.warning("Ignoring unreadable synonym rule %r", rule)
    return rules


def _new_vocabulary():
    return DatabaseVocabulary(document_analyzer())


_snapshot = None
_snapshot_lock = threading.Lock()
_rebuild = {"thread": None}
_vocabulary_refresh = {"thread": None, "started": float("-inf")}
# Document frequencies drift slowly: after patches the vocabulary is read again at most this
# often (reading it costs a scan of the full-text index's terms).
VOCABULARY_REFRESH_SECONDS = 60
# States built or patched inside a transaction, per thread (see _state_in_transaction).
_in_transaction = threading.local()
TRANSACTION_STATES = 2
# Set while a request is served (search.middleware.SearchStateMiddleware): a request waits
# at most SEARCH_STATE_REQUEST_WAIT_SECONDS for the worker's first state.
_serving_request = ContextVar("search_state_serving_request", default=False)


class SearchNotReady(Exception):  # noqa: N818 (a state, not an error of the caller)
    """The worker's first search state is still being built in the background; a request
    does not wait for it (seconds with a large library). search.middleware answers 503 with
    Retry-After."""

    retry_after = 5


@contextmanager
def serving_request():
    """Mark the code inside as serving a request: it never waits long for a first state."""
    token = _serving_request.set(True)
    try:
        yield
    finally:
        _serving_request.reset(token)


def _current_version():
    """What the state depends on: the analyzer and the content generation (a token in the
    database, read once per request; core.cache). Every change to a search entry, a synonym,
    a label the facets show (themes, funding programmes) or the site's root replaces it in
    the transaction of the change, so every worker on every host updates on its next search."""
    return (ANALYZER_VERSION, generation())


def snapshot():
    """The current state. When the content generation changed, the entries changed since
    are patched in, or (after a bulk change) a new state is built, in a background thread
    while the previous state keeps answering: no search waits for either. The first state of
    a worker is built in the background too (from worker start on: ``warm_up``); a request
    that comes before it is ready gets ``SearchNotReady`` after at most
    SEARCH_STATE_REQUEST_WAIT_SECONDS. Inside a transaction, see ``_state_in_transaction``."""
    global _snapshot
    if getattr(_in_transaction, "states", None) and not connection.in_atomic_block:
        _in_transaction.__dict__.clear()  # a transaction's states end with it (memory)
    version = _current_version()
    current = _snapshot
    if current is not None and current.version == version:
        return current
    if current is None and _waits_are_bounded():
        current = _first_state_for_request()
        if current.version == version:
            return current
    if connection.in_atomic_block:
        return _state_in_transaction(current, version)
    with _snapshot_lock:
        current = _snapshot
        if current is not None and current.version == version:
            return current
        if (
            current is None
            or current.version[0] != version[0]
            or not settings.SEARCH_STATE_PATCHING
        ):
            _snapshot = _next_state(version, current)
            return _snapshot
        if len(current.alive) <= SYNC_PATCH_ENTRIES:
            # A small library is patched in the request (milliseconds): the next search
            # after a publish finds the change.
            patched = current.patched(version)
            if patched is not None:
                _snapshot = patched
                _start_background_vocabulary(patched)
                _keep_on_disk(patched)
                return patched
        if _rebuild["thread"] is None or not _rebuild["thread"].is_alive():
            _start_background_update(current)
        return current  # a new state is on its way


def _waits_are_bounded():
    return (
        _serving_request.get()
        and getattr(settings, "SEARCH_STATE_REQUEST_WAIT_SECONDS", None) is not None
    )


def _first_state_for_request():
    """The worker's first state, built in the background (started here unless ``warm_up``
    already did); waits for it at most SEARCH_STATE_REQUEST_WAIT_SECONDS."""
    thread = _start_first_build()
    if thread is not None:
        thread.join(settings.SEARCH_STATE_REQUEST_WAIT_SECONDS)
    state = _snapshot
    if state is None:
        raise SearchNotReady
    return state


def warm_up():
    """Start building this worker's first state in a background thread (cms/wsgi.py calls it
    when a worker starts), unless there is one or it is on its way. Returns the thread."""
    if engine_server.configured():
        return None
    return _start_first_build()


def _start_first_build():
    with _snapshot_lock:
        if _snapshot is not None:
            return None
        running = _rebuild["thread"]
        if running is None or not running.is_alive():
            _start_background_update(None)
        return _rebuild["thread"]


def _state_in_transaction(committed, version):
    """A state for a search inside a transaction, which may see the transaction's own
    uncommitted changes. It serves this thread only and never becomes the worker's state: if
    the transaction rolls back, no other search may see what it wrote, nor build on it.

    Kept per thread by version: the content generation changes in the transaction of every
    change (and a token is never used twice), so a state whose version is the current
    token holds what that token stands for, whichever transaction built it. Patched from the
    worker's committed state, or from a state of this same transaction while it is still
    open (its commit hook is still pending: Django drops the hooks of a transaction or
    savepoint that rolls back)."""
    states = getattr(_in_transaction, "states", None)
    if states is None:
        states = _in_transaction.states = OrderedDict()
    state = states.get(version)
    if state is not None:
        states.move_to_end(version)
        return state
    base = committed
    if states:
        latest, hook = next(reversed(states.values())), _in_transaction.hook
        if any(hook in entry for entry in connection.run_on_commit):
            base = latest
    state = None
    if base is not None and settings.SEARCH_STATE_PATCHING and base.version[0] == version[0]:
        state = base.patched(version)
    if state is None:
        state = _build(version)
    states[version] = state
    while len(states) > TRANSACTION_STATES:
        states.popitem(last=False)

    def hook():
        """A marker: pending while the transaction that built the state is open."""

    _in_transaction.hook = hook
    transaction.on_commit(hook)
    return state


def _build(version):
    started = time.perf_counter()
    state = Snapshot(version)
    logger.info(
        "Search state built: %d entries in %.0f ms",
        state.size,
        (time.perf_counter() - started) * 1000,
    )
    return state


def _host_state(version, exact):
    """The state of ``version`` from this host's files, or (unless ``exact``) the newest
    older one there; None without files (search.state_files)."""
    if not state_files.enabled():
        return None
    started = time.perf_counter()
    state = state_files.load(version, Snapshot.from_files, exact=exact)
    if state is not None:
        logger.info(
            "Search state mapped from %s: %d entries in %.0f ms%s",
            state_files.directory_name(state.version),
            state.size,
            (time.perf_counter() - started) * 1000,
            "" if state.version == version else " (older: brought up to date)",
        )
    return state


def _next_state(version, current, serve_meanwhile=False):
    """The state for ``version``, outside a transaction (it is written to disk for the
    host's other workers): mapped from the host's files if a worker wrote it; else patched
    from ``current`` or, for a worker without one, from the newest older state on disk (the
    same catch-up as after a publish: whatever changed since, deleted and no longer public
    entries included, is read from the database); else built from scratch.

    ``serve_meanwhile`` (a worker's first state, in the background): an older state from
    disk answers while it is brought up to date, as the previous state of a running worker
    does while its next one is prepared. It never makes a hidden page visible: hits are read
    from the current entries, and a page that is unpublished or restricted has none."""
    global _snapshot
    patching = settings.SEARCH_STATE_PATCHING
    loaded = _host_state(version, exact=current is not None or not patching)
    if loaded is not None:
        if loaded.version == version:
            return loaded
        current = loaded
        if serve_meanwhile:
            with _snapshot_lock:
                if _snapshot is None:
                    _snapshot = loaded
    state = None
    if current is not None and patching and current.version[0] == version[0]:
        state = current.patched(version)
        if state is not None:
            _start_background_vocabulary(state)
    if state is None:
        state = _build(version)
    _keep_on_disk(state)
    return state


WRITE_COALESCE_SECONDS = 1.0
_writer = {"thread": None, "pending": None}
_writer_lock = threading.Lock()


def _keep_on_disk(state):
    """Write ``state`` to this host's files in a background thread (one writer at a time;
    while it writes, only the newest state waiting is kept for the next write)."""
    if not state_files.enabled() or state.origin == "loaded":
        return
    with _writer_lock:
        _writer["pending"] = state
        if _writer["thread"] is not None:
            return
        thread = threading.Thread(target=_write_pending, name="search-state-files", daemon=True)
        _writer["thread"] = thread
    thread.start()


def _write_pending():
    while True:
        # Publishes come in bursts: a patched state waits a moment, and only the newest of
        # the burst is written (a write of a large library takes a fraction of a second).
        with _writer_lock:
            pending = _writer["pending"]
        if pending is not None and pending.origin == "patched":
            time.sleep(WRITE_COALESCE_SECONDS)
        with _writer_lock:
            state = _writer["pending"]
            _writer["pending"] = None
            if state is None:
                _writer["thread"] = None
                return
        try:
            _write_and_map(state)
        except Exception:
            logger.exception("Writing the search state to disk failed; it stays in memory")


def _write_and_map(state):
    """Write the state, then answer from the mapped files instead of the worker's own copy
    of the arrays (if it is still the worker's state): the pages are shared with the host's
    other workers. When another worker of the host wrote this version first (both patched
    after the same publish), its files are mapped with what follows from them read afresh:
    this worker's caches (positions, orders, related cases) hold for its own arrays only."""
    global _snapshot
    arrays, meta = state.file_parts()
    started = time.perf_counter()
    if state_files.save(state.version, arrays, meta) is not None:
        logger.info(
            "Search state written to %s in %.0f ms",
            state_files.directory_name(state.version),
            (time.perf_counter() - started) * 1000,
        )
        like, vocabulary = state, None
    elif state_files.path_for(state.version).is_dir():
        like, vocabulary = None, state.vocabulary
    else:
        return  # not writable: the worker keeps its own copy
    try:
        mapped = state_files.load(
            state.version,
            lambda version, arrays, meta: Snapshot.from_files(
                version, arrays, meta, vocabulary=vocabulary, like=like
            ),
            exact=True,
        )
    finally:
        connection.close()  # this thread's own connection (labels read for another's files)
    with _snapshot_lock:
        if mapped is not None and _snapshot is state:
            _snapshot = mapped


def _start_background_update(current):
    """Patch ``current`` (or build the first state if None) in a background thread, for the
    committed content generation as the thread reads it (not a request's token)."""

    def run():
        global _snapshot
        try:
            state = _next_state(_current_version(), current, serve_meanwhile=current is None)
            with _snapshot_lock:
                # A newer generation, if any, is patched in from this state after the next
                # search.
                _snapshot = state
        except Exception:
            logger.exception("Updating the search state failed; the previous one stays")
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="search-state", daemon=True)
    _rebuild["thread"] = thread
    thread.start()


def _refresh_vocabulary():
    """Read the vocabulary again and give it to the current state (and so to the states
    patched from it)."""
    try:
        vocabulary = _new_vocabulary()
        rules = _synonym_rules()
        with _snapshot_lock:
            state = _snapshot
            if state is not None:
                state.analyzer = GermanAnalyzer(vocabulary=vocabulary, synonyms=rules)
                state.vocabulary = vocabulary
    except Exception:
        logger.exception("Reading the search vocabulary failed; the previous one stays")
    finally:
        connection.close()


def _start_background_vocabulary(state):
    """Document frequencies read again in the background after a patch (reading the whole
    term list takes longer than a request should wait); one refresh at a time, at most one
    per VOCABULARY_REFRESH_SECONDS."""
    running = _vocabulary_refresh["thread"]
    if running is not None and running.is_alive():
        return
    if time.monotonic() - _vocabulary_refresh["started"] < VOCABULARY_REFRESH_SECONDS:
        return
    thread = threading.Thread(target=_refresh_vocabulary, name="search-vocabulary", daemon=True)
    _vocabulary_refresh["thread"], _vocabulary_refresh["started"] = thread, time.monotonic()
    thread.start()


def wait_for_background_build(timeout=None):
    """Wait until a background build (if any) has finished (management commands, tests)."""
    # One after the other, each read when its turn comes: a build starts a write.
    for holder in (_rebuild, _vocabulary_refresh, _writer):
        thread = holder["thread"]
        if thread is not None:
            thread.join(timeout)


def reset_snapshot():
    global _snapshot
    wait_for_background_build()
    _snapshot = None
    _in_transaction.__dict__.clear()


@lru_cache(maxsize=1)
def document_analyzer():
    """The analyzer for documents: index terms do not depend on the vocabulary."""
    return GermanAnalyzer()


# ---------------------------------------------------------------------------------------------
# Backends
# ---------------------------------------------------------------------------------------------


def _as_arrays(scored):
    """(entry ids, scores) as numpy arrays, from a list of pairs or a pair of arrays."""
    if isinstance(scored, tuple):
        return scored
    pairs = np.array(scored, dtype=np.float64).reshape(-1, 2)
    return pairs[:, 0].astype(np.int64), pairs[:, 1]


def _retrieve_words(structures, backend_name, scored=None, clauses=None):
    """Per query word every (entry id, score) that matches it, best first (only entries
    having all words of one of the ``clauses`` if the retriever can restrict), the name of
    the retriever used and whether it restricted."""
    retriever = retrieval.retriever_for(backend_name)
    try:
        found = retriever.search_words(structures, scored, clauses)
        return found, retriever.name, retriever.restricts and clauses is not None
    except Exception:
        if isinstance(retriever, retrieval.WagtailBackendRetriever):
            # The search server is unreachable: the database still answers.
            logger.exception(
                "Search backend %r failed; falling back to the database", retriever.name
            )
            fallback = retrieval.database_retriever()
            found = fallback.search_words(structures, scored, clauses)
            restricted = fallback.restricts and clauses is not None
            return found, fallback.name + " (fallback)", restricted
        raise


# ---------------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------------

# At most this many analysed terms (stems, parts, corrections, synonyms) take part in a query.
MAX_QUERY_TERMS = 32


def limit_query(analyzed):
    """Drop repeated words and keep the query's first words up to MAX_QUERY_TERMS analysed
    terms; True if something was cut (the response says so)."""
    seen, groups, part_sets, words = set(), [], [], []
    terms = 0
    cut = False
    for group, parts, word in zip(analyzed.groups, analyzed.part_sets, analyzed.words, strict=True):
        key = tuple(sorted(term for term, _weight in group))
        if key in seen:
            continue
        seen.add(key)
        if terms + len(group) > MAX_QUERY_TERMS:
            room = MAX_QUERY_TERMS - terms
            cut = True
            if room <= 0:
                break
            # The word's strongest alternatives first: its own stem leads the group.
            group = sorted(group, key=lambda item: -item[1])[:room]
            kept = {term for term, _weight in group}
            parts = [p for p in parts if set(p) <= kept]
        groups.append(group)
        part_sets.append(parts)
        words.append(word)
        terms += len(group)
        if cut:
            break
    analyzed.groups, analyzed.part_sets, analyzed.words = groups, part_sets, words
    return cut


def search(request, backend=None, log=False):
    """Run a search request; see the module docstring."""
    if engine_server.configured(backend):
        return engine_server.search(request, log=log)
    started = time.perf_counter()
    snap = snapshot()
    analyzed = snap.analyzer.analyze_query(request.query) if request.query else None
    notice = ""
    if analyzed is not None and limit_query(analyzed):
        notice = str(
            _(
                "Ihre Anfrage war sehr lang: gesucht wurde nur nach den ersten Wörtern "
                "(höchstens %d Suchbegriffe)."
            )
            % MAX_QUERY_TERMS
        )
    backend_name = backend or "default"

    _check_filter_values(snap, request.filters)
    ranked = None  # browsing: every entry, in the order the sort asks for
    if analyzed is not None:
        ranked, backend_name = _fused(snap, request.query, analyzed, backend)

    facets, positions, scores = _filtered(snap, request, ranked)
    start = (request.page - 1) * request.page_size
    page = slice(start, start + request.page_size)
    query_terms = analyzed.all_terms() if analyzed else set()
    results = _hits(snap, snap.ids[positions[page]].tolist(), scores[page].tolist(), query_terms)

    promotions = _promotions(request.query) if request.query and request.page == 1 else []
    response = SearchResponse(
        request=request,
        count=len(positions),
        results=results,
        facets=facets,
        # A corrected spelling is offered whenever the query needed one, found or not.
        suggestion=analyzed.suggestion if analyzed is not None else None,
        promotions=promotions,
        backend=backend_name,
        took_ms=(time.perf_counter() - started) * 1000,
        analyzed=analyzed,
        notice=notice,
    )
    if log and request.query and request.page == 1:
        from .stats import record_query  # stats imports engine (circular at app loading)

        record_query(request.query, response.count)
    return response


def page_ids(request, backend=None):
    """The page ids of every entry the request matches, in its order (``page`` and
    ``page_size`` are ignored): for a listing that shows all of them, such as the map."""
    if engine_server.configured(backend):
        return engine_server.page_ids(request)
    snap = snapshot()
    _check_filter_values(snap, request.filters)
    ranked = None
    if request.query:
        analyzed = snap.analyzer.analyze_query(request.query)
        limit_query(analyzed)
        ranked, _backend = _fused(snap, request.query, analyzed, None)
    _facets, positions, _scores = _filtered(snap, request, ranked)
    return snap.page_ids[positions].tolist()


def _fused(snap, query, analyzed, backend):
    """(positions, scores) of the entries matching the query, best first, words and meaning
    fused; and the name of the retriever. The dense side starts first and runs while the
    words are retrieved (fusion.begin)."""
    _prefetch_terms(snap, (term for group in analyzed.groups for term, _w in group))
    dense = fusion.begin(query, snap) if fusion.wanted(snap, analyzed) else None
    lexical, backend_name = _match(snap, analyzed, backend)
    return _ranked_positions(snap, fusion.fuse(query, lexical, snap, analyzed, dense)), backend_name


def _prefetch_terms(snap, terms):
    """Read the frequencies of these terms in one statement, if the vocabulary reads them."""
    prefetch = getattr(snap.vocabulary, "prefetch", None)
    if prefetch is not None:
        prefetch(list(terms))


def _ranked_positions(snap, ranked):
    """(entry ids, scores) best first as (positions, scores) arrays of this state; entries
    it does not know (deleted since) are left out."""
    ids, scores = ranked
    positions = snap.positions_of(ids)
    keep = positions >= 0
    return positions[keep], scores[keep]


def _filtered(snap, request, ranked):
    """The facets, and the positions and scores of the matching entries in the order the
    request asks for. Filters are masks over all positions, applied to every candidate before
    anything is ranked or counted; a facet's counts apply every other facet's filter but not
    its own, so its other values stay selectable."""
    if ranked is None:
        candidates = snap.alive
    else:
        candidates = np.zeros(len(snap.alive), dtype=bool)
        candidates[ranked[0]] = True
    if request.within:  # the scope applies to the hits and to every count
        candidates = candidates & snap.columns["within"].mask([request.within])
    selected = request.filters
    filter_masks = {name: snap.columns[name].mask(values) for name, values in selected.items()}

    def allowed(skip=None):
        mask = candidates
        for name, value_mask in filter_masks.items():
            if name != skip:
                mask = mask & value_mask
        return mask

    facets = {name: _facet_values(snap, name, allowed(skip=name), selected) for name in FACETS}
    matches = allowed()
    if request.sort == "neu" or (request.sort == "relevanz" and ranked is None):
        order = snap.order("neu")
    elif request.sort in ("groesse", "beginn", "dokumentiert", "titel"):
        order = snap.order(request.sort)
    else:
        kept = matches[ranked[0]]
        return facets, ranked[0][kept], ranked[1][kept]
    positions = order[matches[order]]
    scores = np.zeros(len(snap.alive))
    if ranked is not None:
        scores[ranked[0]] = ranked[1]
    return facets, positions, scores[positions]


def _facet_values(snap, name, base, selected):
    """The values of one facet with their counts among the ``base`` positions."""
    column = snap.columns[name]
    counts = column.counts(base)
    chosen = selected.get(name, ())
    values = [
        FacetValue(value, snap.facet_label_text(name, value), int(counts[code]), value in chosen)
        for code, value in enumerate(column.values)
        if counts[code] or value in chosen
    ]
    for value in chosen:  # a selected value stays visible with 0 hits
        if value not in column.code_of:
            values.append(FacetValue(value, snap.facet_label_text(name, value), 0, True))
    values.sort(key=lambda v: (-v.count, v.label))
    return values


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

    Each query word is retrieved on its own (all words in one statement), so every
    candidate's coverage is known: the share of the query's words it contains, each word
    weighted by its rarity (idf). An entry must cover at least MIN_COVERAGE of the query (or
    as much as the best entry does), so a common word ("Ort", "Stadt") cannot exclude a case
    that has the rare ones, and one rare word alone does not let every case with a common
    word in. Every matching entry is ranked: no cut before filters and counts.
    """
    groups = _word_groups(analyzed)
    if not groups:
        return fusion.no_ranking(), backend or "default"
    _prefetch_terms(snap, (term for group, _p, _a in groups for term, _w in group))
    weights = [max(snap.idf(term) for term, _w in group) for group, _p, _a in groups]
    total_weight = sum(weights) or 1.0
    # A word in more than half of all entries hardly ranks but costs the most to retrieve:
    # it counts as present everywhere (unless every word of the query is that common).
    common = [snap.share(group) > COMMON_SHARE for group, _p, _a in groups]
    if all(common):
        common = [False] * len(groups)

    wanted = [
        (alternatives, group)
        for (group, _p, alternatives), is_common in zip(groups, common, strict=True)
        if not is_common
    ]
    scored = [
        sum(snap.vocabulary.frequency(term) for term, _w in group) <= retrieval.MAX_SCORED_MATCHES
        for _alternatives, group in wanted
    ]
    candidates, coverage, text, backend_name = _candidates(
        wanted, scored, common, weights, total_weight, backend
    )
    if not len(candidates):
        return fusion.no_ranking(), backend_name
    threshold = min(MIN_COVERAGE, float(coverage.max()) - 1e-9)

    positions = snap.positions_of(candidates)
    kept = (positions >= 0) & ~(coverage < threshold)
    positions = positions[kept]
    fields = _field_scores(snap, groups, weights, total_weight, positions)
    score = (
        RANK_WEIGHTS["coverage"] * coverage[kept]
        + RANK_WEIGHTS["text"] * text[kept]
        + RANK_WEIGHTS["fields"] * fields
        + RANK_WEIGHTS["quality"] * snap.quality[positions]
    ) * snap.prior[positions]
    best_first = np.argsort(-score, kind="stable")
    return (candidates[kept][best_first], score[best_first].astype(np.float64)), backend_name


def _candidates(wanted, scored, common, weights, total_weight, backend):
    """The candidates with their coverage and text score (``_coverage``) and the name of
    the retriever. Where the retriever can, it returns only the entries that reach
    MIN_COVERAGE (``_qualifying_sets``); if none does, the threshold is the best coverage
    there is, and every entry with any word is retrieved, as without clauses."""
    structures = [[alternatives] for alternatives, _group in wanted]
    retrieved = [weight for weight, is_common in zip(weights, common, strict=True) if not is_common]
    everywhere = sum(w for w, is_common in zip(weights, common, strict=True) if is_common)
    clauses = _qualifying_sets([w / total_weight for w in retrieved], everywhere / total_weight)
    while True:
        found, backend_name, restricted = _retrieve_words(structures, backend, scored, clauses)
        found = iter(found)
        per_group = [None if is_common else _as_arrays(next(found)) for is_common in common]
        candidates, coverage, text = _coverage(per_group, weights, total_weight)
        if not restricted or (len(coverage) and coverage.max() >= MIN_COVERAGE + 1e-9):
            return candidates, coverage, text, backend_name
        clauses = None


# A query whose words combine into more sets that reach MIN_COVERAGE than this is retrieved
# word by word without clauses (the tsquery would grow with every set); so is a query of
# more retrieved words than MAX_CLAUSE_WORDS: hardly any entry covers 75 % of a long query,
# and a restricted statement that finds none is followed by the unrestricted one.
MAX_CLAUSES = 32
MAX_CLAUSE_WORDS = 6


def _qualifying_sets(shares, everywhere):
    """The smallest sets of retrieved words (numbers into ``shares``, each word's share of
    the query's weight) with which an entry reaches MIN_COVERAGE (``everywhere``: the share
    of the common words every entry counts as having); None if there is none, more than
    MAX_CLAUSES or more than MAX_CLAUSE_WORDS words. A tiny margin below MIN_COVERAGE keeps
    rounding from losing a set: the exact threshold is applied to the entries found."""
    if len(shares) > MAX_CLAUSE_WORDS:
        return None
    need = MIN_COVERAGE - 1e-9 - everywhere
    order = sorted(range(len(shares)), key=lambda word: -shares[word])
    # rest[i]: the most the words from order[i] on can add.
    rest = np.concatenate([np.cumsum([shares[w] for w in order][::-1])[::-1], [0.0]])
    sets = []

    def extend(chosen, total, start):
        # Words are taken in falling share: a set is complete (and minimal: dropping any
        # earlier word loses at least as much as the last one adds) once it reaches need.
        for at in range(start, len(order)):
            word = order[at]
            if total + rest[at] < need:
                return True
            if total + shares[word] >= need:
                sets.append((*chosen, word))
                if len(sets) > MAX_CLAUSES:
                    return False
            elif not extend((*chosen, word), total + shares[word], at + 1):
                return False
        return True

    # No set at all: the threshold will be the best coverage found, from every match.
    return sets if extend((), 0.0, 0) and sets else None


def _word_groups(analyzed):
    """(weighted alternatives, part sets, retrieval alternatives) per query word."""
    groups = []
    for group, part_sets in zip(analyzed.groups, analyzed.part_sets, strict=True):
        alternatives = retrieval.word_alternatives(group, part_sets)
        if group and alternatives:
            groups.append((group, part_sets, alternatives))
    return groups


def _coverage(per_group, weights, total_weight):
    """The candidates (entry ids, in the order they were first retrieved: ties keep that
    order), and per candidate its coverage (the idf-weighted share of the query's words it
    has; a common word counts everywhere) and its text score (the backend's scores, each
    word's scaled to its best)."""
    retrieved = [pks_scores[0] for pks_scores in per_group if pks_scores is not None]
    every_pk = np.concatenate(retrieved) if retrieved else np.empty(0, dtype=np.int64)
    if not len(every_pk):
        return every_pk, np.zeros(0), np.zeros(0)
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
    for weight, pks_scores in zip(weights, per_group, strict=True):
        if pks_scores is None:
            everywhere += weight / total_weight
            continue
        values = pks_scores[1]
        at = local_of_retrieved[offset : offset + len(values)]
        offset += len(values)
        # The retriever may know the word's best score among entries it did not return.
        best = pks_scores[2] if len(pks_scores) > 2 and pks_scores[2] is not None else None
        if best is None:
            best = float(values.max()) if len(values) else 0.0
        top = best or 1.0
        coverage[at] += weight / total_weight
        text[at] += weight / total_weight * np.maximum(values, 0.0) / top
    coverage += everywhere
    return candidates, coverage, text


def _field_scores(snap, groups, weights, total_weight, positions):
    """0-1 per candidate position: how much of the query the title and the key facts
    (themes, tags, places) hold. A word's best form counts: in the title its weight, in the
    key facts 0.7 of it; a set of compound parts counts (as a subcompound) only if the title
    has all of them. Single compound parts count only as such a set."""
    title, key = snap.columns["title"], snap.columns["key"]
    size = len(snap.alive)
    field_score = np.zeros(size)
    for (group, part_sets, _alternatives), weight in zip(groups, weights, strict=True):
        best = np.zeros(size)
        for term, term_weight in group:
            if term_weight == WEIGHT_PART:
                continue
            # An entry with the term in its title gets term_weight >= 0.7 * term_weight
            # whether or not its key facts have it too, as in an if/elif per entry.
            at = key.positions(term)
            if len(at):
                best[at] = np.maximum(best[at], 0.7 * term_weight)
            at = title.positions(term)
            if len(at):
                best[at] = np.maximum(best[at], term_weight)
        for part_set in part_sets:
            members = set(part_set)
            if not all(term in title.code_of for term in members):
                continue
            having = np.zeros(size, dtype=np.int64)
            for term in members:
                having[title.positions(term)] += 1
            best = np.where(having == len(members), np.maximum(best, WEIGHT_SUBCOMPOUND), best)
        field_score += weight * best
    return field_score[positions] / total_weight


def site_root_path():
    """The URL path of the default site's root page (hits' URLs are relative to it)."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    return site.root_page.url_path if site else "/"


def _page_url(url_path, root_path):
    if root_path and url_path.startswith(root_path):
        return "/" + url_path[len(root_path) :]
    return url_path


HIT_COLUMNS = ("id", "page_id", "kind", "heading", "url_path", "summary", "towns", "states")


def _entry_rows(entry_ids):
    """The readable fields of these entries, by id, in one query."""
    rows = SearchEntry.objects.filter(pk__in=list(entry_ids)).values(*HIT_COLUMNS, "theme_names")
    return {row["id"]: row for row in rows}


def _hits(snap, entry_ids, scores, query_terms):
    """The hits of these entries (read from the database), in this order; an entry deleted
    since the state was built is left out."""
    rows = _entry_rows(entry_ids)
    return [
        _hit(rows[pk], score, query_terms, snap.root_path)
        for pk, score in zip(entry_ids, scores, strict=True)
        if pk in rows
    ]


def _hit(row, score, query_terms, root_path):
    url_path = row["url_path"]
    slug = url_path.rstrip("/").rsplit("/", 1)[-1]
    summary = row["summary"]
    return Hit(
        entry_id=row["id"],
        page=PageRef(row["page_id"], slug, _page_url(url_path, root_path), row["heading"]),
        kind=row["kind"],
        summary=summary,
        towns=list(filter(None, row["towns"].split("|"))),
        states=row["states"].split(),
        themes=list(filter(None, row["theme_names"].split("|"))),
        score=round(score, 4),
        highlight=highlight(summary, query_terms) if query_terms else html.escape(summary),
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


# Titles read from the full-text index per typed text, before they are checked word by word.
AUTOCOMPLETE_TITLE_CANDIDATES = 400


def _autocomplete_labels(snap):
    """Themes, towns and tags (few, held per state) as suggestions; titles are looked up in
    the full-text index per request (``_title_suggestions``)."""
    labels = snap.__dict__.get("_autocomplete")
    if labels is None:
        labels = []
        for slug in snap.columns["thema"].values:
            name = snap.theme_labels.get(slug)
            if name:
                labels.append(Suggestion(name, "thema", f"/suche/?thema={slug}", fold(name)))
        for kind, column in (("ort", "town"), ("schlagwort", "tag")):
            labels.extend(
                Suggestion(value, kind, f"/suche/?q={value}", fold(value))
                for value in snap.columns[column].values
            )
        snap.__dict__["_autocomplete"] = labels
    return labels


def _title_suggestions(snap, words):
    """Entries whose title terms start with the typed words (prefix query on the title
    column of the full-text index), as suggestions of kind "titel"."""
    # The longest typed word alone finds the candidates (a short or common word such as "fü"
    # of "für" is no index term: stopwords are not indexed); autocomplete() then checks every
    # typed word against the heading.
    prefixes = [re.sub(r"\W", "", word)[: max(3, len(word) - 2)] for word in words]
    prefixes = sorted((prefix for prefix in prefixes if len(prefix) >= 3), key=len)[-1:]
    if not prefixes:
        return []
    # fold() writes umlauts as "ue", the index terms as "u" ("buergerrat" / "burgerrat"):
    # either form finds the title.
    plain = UMLAUT_DIGRAPHS.sub(lambda match: match.group(0)[0], prefixes[0])
    if plain != prefixes[0]:
        prefixes.append(plain)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            expression = "title : (" + " OR ".join(f'"{p}" *' for p in prefixes) + ")"
            cursor.execute(
                "SELECT e.heading, e.url_path FROM search_fts f "
                "JOIN search_searchentry e ON e.id = f.rowid "
                "WHERE search_fts MATCH %s LIMIT %s",
                [expression, AUTOCOMPLETE_TITLE_CANDIDATES],
            )
        elif connection.vendor == "postgresql":
            expression = " | ".join(f"{p}:*A" for p in prefixes)
            cursor.execute(
                "SELECT e.heading, e.url_path FROM search_fulltext f "
                "JOIN search_searchentry e ON e.id = f.entry_id "
                "WHERE f.search_vector @@ to_tsquery('simple', %s) LIMIT %s",
                [expression, AUTOCOMPLETE_TITLE_CANDIDATES],
            )
        else:
            return []
        rows = cursor.fetchall()
    return [
        Suggestion(heading, "titel", _page_url(url_path, snap.root_path), fold(heading))
        for heading, url_path in rows
    ]


UMLAUT_DIGRAPHS = re.compile("[aou]e")
AUTOCOMPLETE_KIND_ORDER = {"thema": 0, "ort": 1, "titel": 2, "schlagwort": 3}


def autocomplete(text, limit=8):
    """Titles, towns, tags and themes whose words start with what was typed."""
    if engine_server.configured():
        return engine_server.autocomplete(text, limit)
    words = fold(text).split()
    if not words or len(text) > MAX_QUERY_LENGTH:
        return []
    snap = snapshot()
    matches = []
    for suggestion in (*_autocomplete_labels(snap), *_title_suggestions(snap, words)):
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


@dataclass
class Recommendation:
    hit: Hit
    score: float
    reasons: list


def _count_shared(column, codes, size):
    """How many of the value ``codes`` each position has."""
    lists = [column.positions_of_code(code) for code in codes]
    if not lists:
        return np.zeros(size, dtype=np.int64)
    return np.bincount(np.concatenate(lists), minlength=size)


def _term_counts(columns, start, end):
    """How many distinct title and key terms the positions start..end-1 have (few: the
    entries a patch appends)."""
    title, key = columns["title"], columns["key"]
    counts = [len(set(title.values_of(i)) | set(key.values_of(i))) for i in range(start, end)]
    return np.array(counts, dtype=np.float64)


def _related_terms(snap):
    """Per position: how many distinct title and key terms it has (for the Jaccard share)."""
    cached = snap.__dict__.get("_related_terms")
    if cached is None:
        title, key = snap.columns["title"], snap.columns["key"]
        key_in_title = np.array(
            [title.code_of.get(term, -1) for term in key.values], dtype=np.int64
        )
        # Key terms that are title terms of the same entry are counted once.
        mapped = key_in_title[key.codes]
        key_owner = key.owner
        title_pairs = title.owner.astype(np.int64) * (len(title.values) + 1) + title.codes
        key_pairs = key_owner.astype(np.int64) * (len(title.values) + 1) + mapped
        duplicate = (mapped >= 0) & np.isin(key_pairs, title_pairs)
        counts = np.diff(title.offsets) + np.bincount(key_owner[~duplicate], minlength=title.size)
        cached = snap.__dict__["_related_terms"] = counts.astype(np.float64)
    return cached


def _shared_term_counts(snap, terms, size):
    """Per position: how many of ``terms`` it has in its title or key facts, a term in both
    counted once (as ``_related_terms`` counts them). The key positions of a term already in
    the title are masked out with one boolean array instead of merging sorted lists."""
    title, key = snap.columns["title"], snap.columns["key"]
    in_title = np.zeros(size, dtype=bool)
    lists = []
    for term in terms:
        title_positions = title.positions(term)
        key_positions = key.positions(term)
        lists.append(title_positions)
        if len(key_positions):
            in_title[title_positions] = True
            lists.append(key_positions[~in_title[key_positions]])
            in_title[title_positions] = False
    if not lists:
        return np.zeros(size)
    return np.bincount(np.concatenate(lists), minlength=size).astype(np.float64)


def _folded_tag_codes(snap):
    """Tag code -> code of its folded form (tags that differ in case or umlauts match)."""
    cached = snap.__dict__.get("_folded_tags")
    if cached is None:
        folded = {}
        cached = np.array(
            [folded.setdefault(fold(tag), len(folded)) for tag in snap.columns["tag"].values],
            dtype=np.int64,
        )
        snap.__dict__["_folded_tags"] = cached
    return cached


# long: one scoring pass over every signal of likeness; the weights read side by side
def _best_related(snap, source, limit):
    """The ``limit`` best entries like the one at position ``source``, as (score, position,
    shared themes, same town, same size, same state), best first, ties by heading."""
    size = len(snap.alive)
    columns = snap.columns
    themes = columns["thema"].of(source)
    terms = set(columns["title"].values_of(source)) | set(columns["key"].values_of(source))
    shared_terms = _shared_term_counts(snap, terms, size)
    union = len(terms) + _related_terms(snap) - shared_terms
    folded = _folded_tag_codes(snap)
    source_tags = set(folded[columns["tag"].of(source)].tolist())
    tag_column = columns["tag"]
    tag_hits = np.isin(folded[tag_column.codes], list(source_tags)) if source_tags else None
    shared_tags = (
        np.bincount(tag_column.owner[tag_hits], minlength=size)
        if tag_hits is not None
        else np.zeros(size, dtype=np.int64)
    )
    score = (
        2.0 * _count_shared(columns["thema"], themes, size)
        + 1.5 * shared_tags
        + 6.0 * (shared_terms / np.where(union == 0, 1.0, union))
    )
    # Closeness in meaning (issue 16): one signal among the others.
    similar = fusion.similar_to_entry(int(snap.ids[source]))
    if similar:
        similar_positions = snap.positions_of(list(similar))
        known = similar_positions >= 0
        closeness = np.fromiter(similar.values(), dtype=np.float64, count=len(similar))
        score = score.copy()
        score[similar_positions[known]] += 2.0 * closeness[known]
    kinds = snap.kind_codes()
    eligible = (score != 0) & (kinds == kinds[source]) & snap.alive
    eligible[source] = False
    same_town = _count_shared(columns["town"], columns["town"].of(source), size) > 0
    same_size = _count_shared(columns["groesse"], columns["groesse"].of(source), size) > 0
    same_state = _count_shared(columns["land"], columns["land"].of(source), size) > 0
    score = score + np.where(same_town, 2.0, 0.0)
    score = score + np.where(same_size, 1.0, 0.0)
    score = score + np.where(same_state, 0.5, 0.0)
    score = score + 1.5 * snap.quality
    ranked = _top_by_heading(snap, np.flatnonzero(eligible), score, limit)
    source_themes = set(themes.tolist())
    return [
        (
            float(score[i]),
            i,
            [
                columns["thema"].values[c]
                for c in columns["thema"].of(i).tolist()
                if c in source_themes
            ],
            bool(same_town[i]),
            bool(same_size[i]),
            bool(same_state[i]),
        )
        for i in ranked
    ]


def _top_by_heading(snap, candidates, score, limit):
    """The ``limit`` best positions among ``candidates``, ties broken by heading (read from
    the database for the few positions that can make the cut)."""
    if len(candidates) > limit:
        # Everything scoring at least the limit-th best score, so ties are broken by heading.
        threshold = np.partition(score[candidates], -limit)[-limit]
        candidates = candidates[score[candidates] >= threshold]
    headings = dict(
        SearchEntry.objects.filter(pk__in=snap.ids[candidates].tolist()).values_list(
            "id", "heading"
        )
    )
    position_of = {int(snap.ids[i]): int(i) for i in candidates}
    ranked = sorted(
        (position_of[pk] for pk in headings),
        key=lambda i: (-score[i], headings[int(snap.ids[i])]),
    )
    return ranked[:limit]


def related(page_id, limit=3):
    """Cases like the given one: shared themes and tags, similar words in title and key
    facts, and a similar town profile (size class, state)."""
    if engine_server.configured():
        return engine_server.related(page_id, limit)
    try:
        snap = snapshot()
    except SearchNotReady:
        # A case page is shown without related cases while the worker's first state is
        # being built (seconds after it starts), and that page is not kept in the page cache.
        skip_page_cache()
        return []
    source = snap.position_of_page(page_id)
    if source is None:
        return []
    # Kept per state in this process, in an LRU cache of SEARCH_CACHE_SIZE pages. Not shared
    # through Django's cache: computing them is cheaper than writing a cache file.
    cached = snap.related_cache.get(page_id)
    if cached is not None:
        return cached[:limit]
    best = _best_related(snap, source, 12)
    recommendations = []
    hits = _hits(
        snap,
        [int(snap.ids[i]) for _s, i, *_rest in best],
        [score for score, *_rest in best],
        set(),
    )
    hits = {hit.entry_id: hit for hit in hits}
    # The reasons (translated labels) only for the cases shown.
    for score, position, shared_themes, same_town, same_size, same_state in best:
        hit = hits.get(int(snap.ids[position]))
        if hit is None:  # deleted since the state was built
            continue
        reasons = [snap.facet_label("thema", t) for t in sorted(shared_themes)]
        if same_town:
            reasons.insert(0, str(_("gleicher Ort")))
        if same_size:
            reasons.append(str(_("gleiche Stadtgröße")))
        if same_state:
            reasons.append(str(_("gleiches Bundesland")))
        recommendations.append(Recommendation(hit, round(score, 3), reasons))
    snap.related_cache[page_id] = recommendations
    return recommendations[:limit]


def distance_km(a, b):
    """Great-circle distance of two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def _size_distances(snap, size_class):
    """Per position: the distance of its nearest size class to ``size_class`` (0 shared,
    1 neighbouring, ...), -1 for entries without one."""
    column = snap.columns["groesse"]
    size = len(snap.alive)
    distances = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    if size_class in SIZE_ORDER:
        target = SIZE_ORDER.index(size_class)
        order = np.array(
            [SIZE_ORDER.index(v) if v in SIZE_ORDER else 10**6 for v in column.values],
            dtype=np.int64,
        )
        np.minimum.at(distances, column.owner, np.abs(order[column.codes] - target))
    distances[distances == np.iinfo(np.int64).max] = -1
    return distances


# long: the scoring and the reasons shown to the user for it stay side by side
def places_like(population, state=None, themes=(), limit=10, point=None, locations=None):
    """Cases ranked by how well their towns fit a town of this population and state (and
    the chosen themes): same size class first, then similar population, same state, and
    nearness when the town's ``point`` (latitude, longitude) and the cases' ``locations``
    (page id -> points of its towns) are given."""
    if engine_server.configured():
        return engine_server.places_like(population, state, themes, limit, point, locations)
    snap = snapshot()
    columns = snap.columns
    size = len(snap.alive)
    case_code = columns["art"].code_of.get("case")
    eligible = (
        snap.alive & (snap.kind_codes() == case_code) & (np.diff(columns["groesse"].offsets) > 0)
    )
    distance = _size_distances(snap, size_class_for(population))
    score = np.where(distance == 0, 3.0, np.where(distance == 1, 1.5, 0.0))
    if population:
        has_population = snap.population > 0
        ratio = np.abs(np.log(np.where(has_population, snap.population, 1) / population))
        score = score + np.where(has_population, np.maximum(0.0, 1.0 - ratio / math.log(4)), 0.0)
    same_state = columns["land"].mask([state]) if state else np.zeros(size, dtype=bool)
    score = score + np.where(same_state, 1.0, 0.0)
    theme_codes = [
        columns["thema"].code_of[t] for t in set(themes) if t in columns["thema"].code_of
    ]
    shared = _count_shared(columns["thema"], theme_codes, size)
    if themes:
        eligible &= shared > 0
    score = score + 2.0 * shared + 1.0 * snap.quality
    if themes:
        # With chosen themes, closeness in meaning to them is one more signal (issue 16).
        similar = fusion.similar_to_text(
            ", ".join(snap.facet_label_text("thema", t) for t in sorted(set(themes)))
        )
        if similar:
            similar_positions = snap.positions_of(list(similar))
            known = similar_positions >= 0
            closeness = np.fromiter(similar.values(), dtype=np.float64, count=len(similar))
            score[similar_positions[known]] += closeness[known]
    near = {}
    if point is not None and locations:
        for position in np.flatnonzero(eligible).tolist():
            points = locations.get(int(snap.page_ids[position]))
            if points:
                km = min(distance_km(point, other) for other in points)
                near[position] = km
                # Up to one point for a case next door, nothing from 200 km on.
                score[position] += max(0.0, 1.0 - km / 200)
    ranked = _top_by_heading(snap, np.flatnonzero(eligible), score, limit)
    hits = _hits(snap, [int(snap.ids[i]) for i in ranked], [float(score[i]) for i in ranked], set())
    hits = {hit.entry_id: hit for hit in hits}
    recommendations = []
    for position in ranked:
        hit = hits.get(int(snap.ids[position]))
        if hit is None:  # deleted since the state was built
            continue
        reasons = []
        if distance[position] == 0:
            reasons.append(str(_("gleiche Stadtgröße")))
        elif distance[position] == 1:
            reasons.append(str(_("ähnliche Stadtgröße")))
        if same_state[position]:
            reasons.append(str(_("gleiches Bundesland")))
        entry_themes = set(columns["thema"].values_of(position))
        reasons.extend(snap.facet_label("thema", t) for t in sorted(set(themes) & entry_themes))
        km = near.get(position)
        if km is not None:
            if km < 1:
                reasons.append(str(_("am selben Ort")))
            elif km < 100:
                reasons.append(str(_("%(km)d km entfernt")) % {"km": round(km)})
        recommendations.append(Recommendation(hit, round(float(score[position]), 3), reasons))
    return recommendations
