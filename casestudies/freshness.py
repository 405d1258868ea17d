"""When a case is due for a check: "Zuletzt geprüft" older than CASE_CHECK_MAX_AGE_MONTHS,
or still "laufend" more than a year after its period ended."""

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


def running_flag_date(end_year, end_month=None):
    """The day a case still marked "laufend" becomes suspicious: one year after the end of
    its period (the end month's last day, or the end of the year)."""
    index = end_year * 12 + (end_month or 12) + 12  # the month after the end, a year on
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, 1)


def is_running_past_end(status, end_year, end_month, open_ended, last_checked, today=None):
    """Status "laufend", but the period ended more than a year ago, and nobody has checked
    the case since then."""
    if status != "laufend" or open_ended or end_year is None:
        return False
    flag_date = running_flag_date(end_year, end_month)
    today = today or timezone.localdate()
    return today >= flag_date and (last_checked is None or last_checked < flag_date)


def running_past_end_ids(queryset, today=None):
    """Ids of the cases of ``queryset`` that ``is_running_past_end``."""
    today = today or timezone.localdate()
    rows = queryset.filter(
        status="laufend", period_open=False, period_end_year__lt=today.year
    ).values_list("pk", "period_end_year", "period_end_month", "last_checked")
    return [
        pk
        for pk, year, month, checked in rows
        if is_running_past_end("laufend", year, month, False, checked, today)
    ]
