"""Keep one SearchEntry per live searchable page.

Page types register a builder that returns the readable parts of a page (``Document``); the
indexer runs them through the German analyzer, stores the entry, and lets Wagtail's search
backend index it. Entries are written on publish and removed on unpublish/delete.
"""

import logging
import math
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.visibility import is_public, public_pages

from .models import SearchEntry

logger = logging.getLogger(__name__)

_BUILDERS = {}
RICH_TEXT_WORDS = 800


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


def register(page_class):
    """Decorator: ``@register(CasePage)`` on a function page -> Document."""

    def decorator(builder):
        _BUILDERS[page_class] = builder
        return builder

    return decorator


def searchable_classes():
    return tuple(_BUILDERS)


def _builder_for(page):
    for page_class, builder in _BUILDERS.items():
        if isinstance(page, page_class):
            return builder
    return None


def build_entry(page, analyzer=None):
    """An unsaved SearchEntry for a live page, or None if the page type is not searched."""
    from .analysis import ANALYZER_VERSION
    from .engine import document_analyzer

    builder = _builder_for(page)
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


def update_page(page):
    """Write (or remove) the entry of one page, after the surrounding transaction commits."""
    page = page.specific
    if not isinstance(page, searchable_classes()):
        return
    if not is_public(page):
        remove_page(page)
        return
    entry = build_entry(page)
    existing = SearchEntry.objects.filter(page_id=page.pk).first()
    if existing is not None:
        entry.pk = existing.pk
    entry.save()


def update_pages_by_id(page_ids):
    """Write or remove the entries of these pages (ids) as their visibility now says; pages
    deleted meanwhile are skipped."""
    from wagtail.models import Page

    for page in Page.objects.filter(pk__in=page_ids).specific():
        update_page(page)


def update_subtree(page):
    """Write or remove the entries of a page and its searchable descendants: after a view
    restriction on it was added, changed or removed, or it moved."""
    from wagtail.models import Page

    for descendant in Page.objects.descendant_of(page, inclusive=True).specific():
        update_page(descendant)


def follow_url_paths(page):
    """Entries below ``page`` whose address changed with its slug (or an ancestor's): one
    query when nothing changed, as on most publishes."""
    stale = (
        SearchEntry.objects.filter(page__path__startswith=page.path)
        .exclude(url_path=F("page__url_path"))
        .select_related("page")
    )
    for entry in stale:
        entry.url_path = entry.page.url_path
        entry.save(update_fields=["url_path", "updated_at"])


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


def pages_showing(instance):
    """Pages of the searchable types whose entries show ``instance``."""
    pages = []
    for page_class in searchable_classes():
        query = Q()
        for lookup in reference_lookups(page_class, type(instance)):
            query |= Q(**{lookup: instance})
        if query:
            pages.extend(page_class.objects.filter(query).distinct())
    return pages


def update_pages(pages):
    for page in pages:
        update_page(page)


def remove_page(page):
    for entry in SearchEntry.objects.filter(page_id=page.pk):
        entry.delete()  # through the model, so the search backend forgets it too


def rebuild(pages=None, progress=None):
    """Rebuild entries for all searchable live pages (or the given pages); returns count."""
    from wagtail.models import Page

    analyzer = None
    count = 0
    if pages is None:
        pages = []
        for page_class in searchable_classes():
            pages.extend(public_pages(page_class.objects.all()).specific())
        live_ids = {page.pk for page in pages}
        with transaction.atomic():
            for entry in SearchEntry.objects.exclude(page_id__in=live_ids):
                entry.delete()
    from .engine import document_analyzer

    analyzer = document_analyzer()
    for page in pages:
        page = page.specific if isinstance(page, Page) and type(page) is Page else page
        entry = build_entry(page, analyzer)
        if entry is None:
            continue
        existing = SearchEntry.objects.filter(page_id=page.pk).values_list("pk", flat=True).first()
        entry.pk = existing
        entry.save()
        count += 1
        if progress:
            progress(count)
    return count
