"""Anonymous search statistics for editors: what is searched, what finds nothing, what is
chosen. Only the normalised query text and counters are stored, never who searched."""

import logging
import re

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import SearchClickStat, SearchQueryStat

logger = logging.getLogger(__name__)
_SPACE = re.compile(r"\s+")


def normalise_query(query):
    return _SPACE.sub(" ", (query or "").strip().lower())[:100]


def _bump(model, lookup, **increments):
    """Add to the counters; statistics never break a search (a locked database, say)."""
    try:
        with transaction.atomic():
            _add(model, lookup, **increments)
    except DatabaseError:
        logger.warning("Search statistics not recorded for %s", lookup, exc_info=True)


def _add(model, lookup, **increments):
    updates = {name: F(name) + value for name, value in increments.items()}
    if model.objects.filter(**lookup).update(**updates):
        return
    try:
        with transaction.atomic():
            model.objects.create(**lookup, **increments)
    except IntegrityError:  # created concurrently
        model.objects.filter(**lookup).update(**updates)


def record_query(query, result_count):
    query = normalise_query(query)
    if not query:
        return
    _bump(
        SearchQueryStat,
        {"day": timezone.localdate(), "query": query},
        searches=1,
        zero_results=1 if result_count == 0 else 0,
    )


def record_click(query, page_id, position):
    query = normalise_query(query)
    if not query:
        return
    _bump(
        SearchClickStat,
        {"day": timezone.localdate(), "query": query, "page_id": page_id},
        clicks=1,
        position_sum=max(0, min(int(position), 1000)),
    )
