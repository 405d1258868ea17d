"""Keep one SearchEntry per live searchable page.

Page types register a builder that returns the readable parts of a page (``Document``); the
indexer runs them through the German analyzer and stores the entries in bulk. When it runs:
search/outbox.py (after every change) and ``rebuild`` (``manage.py rebuild_search``).
"""

import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.models import Page

from core.cache import content_changed
from core.visibility import public_ids, public_pages

from .analysis import ANALYZER_VERSION
from .engine import document_analyzer
from .models import SearchEntry, StagedSearchEntry, database_now
from .retrieval import database_retriever

logger = logging.getLogger(__name__)

_BUILDERS = {}
_PREFETCH = {}
RICH_TEXT_WORDS = 800
BATCH_SIZE = 500
# Pages built per transaction by ``rebuild``.
REBUILD_SLICE = 500
# Entry fields the indexer writes (all but the primary key and the page).
ENTRY_FIELDS = [f.name for f in SearchEntry._meta.concrete_fields if f.name not in ("id", "page")]


@dataclass
class Document:
    kind: str
    heading: str
    summary: str = ""
    text: str = ""
    key_texts: list = field(default_factory=list)
    themes: list = field(default_factory=list)  # slugs
    theme_names: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    towns: list = field(default_factory=list)
    states: list = field(default_factory=list)
    size_classes: list = field(default_factory=list)
    status: str = ""
    funding: list = field(default_factory=list)  # ids as strings
    period_start: int | None = None
    period_end: int | None = None
    population: int | None = None
    budget_range: str = ""
    duration_class: str = ""
    scope: str = ""
    completeness: float = 0.0  # share of the optional facts a reader hopes for


def register(page_class, prefetch=()):
    """Decorator: ``@register(CasePage)`` on a function page -> Document. ``prefetch``: the
    relations the builder reads (``prefetch_related`` lookups), loaded for a whole slice of
    pages at once when entries are written in bulk."""

    def decorator(builder):
        _BUILDERS[page_class] = builder
        _PREFETCH[page_class] = list(prefetch)
        return builder

    return decorator


def prefetch_for(page_class):
    for registered_class, lookups in _PREFETCH.items():
        if issubclass(page_class, registered_class):
            return lookups
    return []


def searchable_classes():
    return tuple(_BUILDERS)


def builder_for(page):
    for page_class, builder in _BUILDERS.items():
        if isinstance(page, page_class):
            return builder
    return None


def build_entry(page, analyzer=None):
    """An unsaved SearchEntry for a live page, or None if the page type is not searched."""
    builder = builder_for(page)
    if builder is None:
        return None
    analyzer = analyzer or document_analyzer()
    doc = builder(page)
    terms = analyzer.index_terms
    return SearchEntry(
        page_id=page.pk,
        kind=doc.kind,
        url_path=page.url_path,
        heading=doc.heading[:255],
        summary=doc.summary,
        text=doc.text,
        title=" ".join(terms(doc.heading)),
        key_terms=" ".join(terms(" . ".join(doc.key_texts))),
        body_terms=" ".join(terms(doc.summary + "\n" + doc.text)),
        themes=" ".join(doc.themes),
        theme_names="|".join(doc.theme_names),
        tags="|".join(doc.tags),
        towns="|".join(doc.towns),
        states=" ".join(doc.states),
        size_classes=" ".join(doc.size_classes),
        status=doc.status,
        funding=" ".join(doc.funding),
        budget_range=doc.budget_range,
        duration_class=doc.duration_class,
        scope=doc.scope,
        period_start=doc.period_start,
        period_end=doc.period_end,
        population=doc.population,
        published_at=page.first_published_at or timezone.now(),
        quality=quality(doc),
        analyzer_version=ANALYZER_VERSION,
    )


def quality(doc):
    """0-1: a richly documented page (long story, filled-in transfer facts) is more useful
    to someone who wants to copy it than a stub, so it ranks a little higher."""
    words = len(doc.text.split()) + len(doc.summary.split())
    richness = min(1.0, math.log1p(words) / math.log1p(RICH_TEXT_WORDS))
    return round(0.6 * richness + 0.4 * doc.completeness, 4)


def dependent_models():
    """The reference data whose names, slugs or numbers entries show (SEARCH_ENTRIES_DEPEND_ON:
    themes, towns, funding programmes, organisations, tags)."""
    return [apps.get_model(label) for label in settings.SEARCH_ENTRIES_DEPEND_ON]


def reference_lookups(page_class, model):
    """Lookups from a page type to ``model``: its many-to-many fields to it (themes, tags) and
    its child relations with a foreign key to it (a case's towns)."""
    lookups = []
    for relation in page_class._meta.get_fields():
        if relation.many_to_many and not relation.auto_created:
            if relation.related_model is model:
                lookups.append(relation.name)
        elif relation.one_to_many and relation.auto_created:
            for child_field in relation.related_model._meta.get_fields():
                if child_field.many_to_one and child_field.related_model is model:
                    lookups.append(f"{relation.name}__{child_field.name}")
    return lookups


def page_ids_showing(instance):
    """Ids of the pages of the searchable types whose entries show ``instance``: one query
    per page type that links to its model."""
    page_ids = set()
    for page_class in searchable_classes():
        query = Q()
        for lookup in reference_lookups(page_class, type(instance)):
            query |= Q(**{lookup: instance})
        if query:
            page_ids.update(page_class.objects.filter(query).values_list("pk", flat=True))
    return sorted(page_ids)


def build_entries(page_ids, analyzer=None):
    """Unsaved entries of those pages that are public and of a searchable type, by page id:
    one query for their types and visibility, then per page type one for the pages and one
    per relation its builder reads (``register(..., prefetch=...)``)."""
    analyzer = analyzer or document_analyzer()
    by_type = defaultdict(list)
    pages = Page.objects.filter(pk__in=public_ids(page_ids))
    for page_id, content_type_id in pages.values_list("pk", "content_type"):
        by_type[content_type_id].append(page_id)
    entries = {}
    for content_type_id, ids in by_type.items():
        page_class = ContentType.objects.get_for_id(content_type_id).model_class()
        if page_class is None or not issubclass(page_class, searchable_classes()):
            continue
        queryset = page_class.objects.filter(pk__in=ids)
        for page in queryset.prefetch_related(*prefetch_for(page_class)):
            entry = build_entry(page, analyzer)
            if entry is not None:
                entries[page.pk] = entry
    return entries


def write_entries(page_ids):
    """Write the entries of these pages as the pages are now, in bulk; remove the entries of
    pages that are gone, not public or not searched any more. Returns the written entries
    (with their ids). Run it in a transaction: search/outbox.py does."""
    page_ids = list(page_ids)
    built = build_entries(page_ids)
    existing = dict(SearchEntry.objects.filter(page_id__in=page_ids).values_list("page_id", "pk"))
    gone = [pk for page_id, pk in existing.items() if page_id not in built]
    if gone:
        # Through the model: the entry signal takes them out of the full-text index.
        SearchEntry.objects.filter(pk__in=gone).delete()
    created, updated = [], []
    for page_id, entry in built.items():
        entry.updated_at = database_now()
        entry.pk = existing.get(page_id)
        (updated if entry.pk else created).append(entry)
    SearchEntry.objects.bulk_create(created, batch_size=BATCH_SIZE)
    SearchEntry.objects.bulk_update(updated, ENTRY_FIELDS, batch_size=BATCH_SIZE)
    for entry in built.values():
        entry.updated_at = None  # the database's time, not read back
    return created + updated


def rebuild(progress=None, during_build=None):
    """Build the entries of every public searchable page and put them in place of the current
    ones in one transaction; returns the number of entries.

    The new entries are built into ``StagedSearchEntry`` first, in slices, each its own
    transaction: the search keeps answering from the current entries meanwhile (and other
    hosts too). The switch then writes them over the entries (same ids for pages that keep
    their entry, so the derived indexes keep their ids), deletes the entries of pages that
    are no longer searched, rebuilds the database full-text index and starts a new content
    generation, all in one transaction. ``progress(done, total)`` after each slice;
    ``during_build()`` once, after the first slice (the tests search there)."""
    page_ids = []
    for page_class in searchable_classes():
        page_ids.extend(public_pages(page_class.objects.all()).values_list("pk", flat=True))
    page_ids = sorted(set(page_ids))
    analyzer = document_analyzer()
    StagedSearchEntry.objects.all().delete()
    for start in range(0, len(page_ids), REBUILD_SLICE):
        batch = page_ids[start : start + REBUILD_SLICE]
        with transaction.atomic():
            StagedSearchEntry.objects.bulk_create(
                [_staged(entry) for entry in build_entries(batch, analyzer).values()],
                batch_size=BATCH_SIZE,
            )
        if progress:
            progress(min(start + REBUILD_SLICE, len(page_ids)), len(page_ids))
        if during_build and start == 0:
            during_build()
    with transaction.atomic():
        count = _switch_to_staged()
    return count


def _staged(entry):
    return StagedSearchEntry(
        page_id=entry.page_id, **{name: getattr(entry, name) for name in ENTRY_FIELDS}
    )


def _switch_to_staged():
    """Put the staged entries in place of the current ones (inside the caller's transaction):
    one statement updates the entries of pages that keep theirs, one inserts the new ones
    (``UPDATE ... FROM``: SQLite 3.33+ and PostgreSQL; row by row through the ORM the switch
    of ten thousand entries took minutes)."""
    staged_pages = StagedSearchEntry.objects.values("page_id")
    # Through the model: the entry signal tells the derived indexes what went.
    SearchEntry.objects.exclude(page_id__in=staged_pages).delete()
    quote = connection.ops.quote_name
    entries, staged = quote(SearchEntry._meta.db_table), quote(StagedSearchEntry._meta.db_table)
    columns = [quote(SearchEntry._meta.get_field(name).column) for name in ENTRY_FIELDS]
    page = quote("page_id")
    assignments = ", ".join(f"{column} = staged.{column}" for column in columns)
    staged_columns = ", ".join(f"staged.{column}" for column in columns)
    # Names from the models, no values: nothing to inject.
    update = (
        f"UPDATE {entries} SET {assignments} FROM {staged} AS staged "  # noqa: S608
        f"WHERE {entries}.{page} = staged.{page}"
    )
    insert = (
        f"INSERT INTO {entries} ({page}, {', '.join(columns)}) "  # noqa: S608
        f"SELECT staged.{page}, {staged_columns} FROM {staged} AS staged WHERE NOT EXISTS "
        f"(SELECT 1 FROM {entries} AS entry WHERE entry.{page} = staged.{page})"
    )
    with connection.cursor() as cursor:
        cursor.execute(update)
        cursor.execute(insert)
    # The switch is the moment the entries changed: the workers' search state reads the
    # entries changed since it last looked (search.engine), so the staged build times must
    # not stand in for it.
    SearchEntry.objects.update(updated_at=database_now())
    count = StagedSearchEntry.objects.count()
    StagedSearchEntry.objects.all().delete()
    database_retriever().rebuild()
    content_changed("search entries rebuilt")
    return count
