"""``manage.py check --database default`` warns when search indexing work waits too long."""

from datetime import timedelta

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError
from django.utils import timezone

from .models import IndexTask


@register(Tags.database)
def outbox_backlog(app_configs=None, databases=None, **kwargs):
    if not databases:
        return []
    minutes = getattr(settings, "SEARCH_OUTBOX_WARN_MINUTES", 15)
    since = timezone.now() - timedelta(minutes=minutes)
    try:
        stale = IndexTask.objects.filter(created_at__lt=since)
        count, failed = stale.count(), stale.filter(attempts__gt=0).count()
    except DatabaseError:  # before the migration created the table (``migrate`` checks first)
        return []
    if not count:
        return []
    return [
        Warning(
            f"{count} search indexing tasks are pending for more than {minutes} minutes "
            f"({failed} of them failed at least once).",
            hint="See the last error in the admin (Berichte > Suchanalyse); "
            "run `manage.py drain_search_outbox`.",
            obj="search.IndexTask",
            id="search.W001",
        )
    ]
