"""Keep one SearchEntry per live searchable page.

Page types register a builder that returns the readable parts of a page (``Document``); the
indexer runs them through the German analyzer, stores the entry, and lets Wagtail's search
backend index it. Entries are written on publish and removed on unpublish/delete.
"""

import logging
import math
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

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
    if not page.live or page.get_view_restrictions().exists():
        remove_page(page)
        return
    entry = build_entry(page)
    existing = SearchEntry.objects.filter(page_id=page.pk).first()
    if existing is not None:
        entry.pk = existing.pk
    entry.save()


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
            pages.extend(page_class.objects.live().public().specific())
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
