"""When a case is due for a check: "Zuletzt geprüft" older than CASE_CHECK_MAX_AGE_MONTHS."""

import calendar
import datetime

from django.conf import settings
from django.utils import timezone


def months_before(day, months):
    """The same day ``months`` earlier (clamped to the month's last day)."""
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_cutoff(months=None, today=None):
    """Cases last checked before this date (or never) are due."""
    months = settings.CASE_CHECK_MAX_AGE_MONTHS if months is None else months
    return months_before(today or timezone.localdate(), months)


def is_due(last_checked, months=None, today=None):
    return last_checked is None or last_checked < check_cutoff(months, today)
