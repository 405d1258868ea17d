"""What is new for a subscription, and the emails."""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agenda.models import EventFormat, upcoming_events
from casestudies.models import CaseLibraryPage, Theme
from core.geo import SizeClass, State
from core.links import absolute_url
from search.service import SearchRequest, published_at, search

from .models import Subscription
from .tokens import CONFIRM_SALT, UNSUBSCRIBE_SALT, make_token

logger = logging.getLogger(__name__)

MAX_ITEMS = 20


@dataclass
class Item:
    title: str
    url: str
    summary: str
    detail: str = ""


# Page ids are Django AutoFields: anything outside is no page (and SQLite refuses to compare
# with an integer wider than 64 bits).
MAX_PAGE_ID = 2**31 - 1


def public_library(pk):
    """The live case library with this id that anyone may see, or None."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not 0 < pk <= MAX_PAGE_ID:
        return None
    return CaseLibraryPage.objects.live().public().filter(pk=pk).first()


def describe(subscription):
    """A readable summary of the filter, for the form, the emails and the confirmation."""
    filters = subscription.filters
    if subscription.kind == Subscription.Kind.EVENTS:
        formats = [str(EventFormat(v).label) for v in filters.get("format", [])]
        return _("Kommende Veranstaltungen") + (f": {', '.join(formats)}" if formats else "")
    parts = []
    if filters.get("bibliothek"):
        library = public_library(filters["bibliothek"])
        title = library.title if library else _("nicht mehr öffentlich")
        parts.append(_("aus der Fallbibliothek „%s“") % title)
    if filters.get("q"):
        parts.append(_("Suchbegriff „%s“") % filters["q"])
    themes = dict(
        Theme.objects.filter(slug__in=filters.get("thema", [])).values_list("slug", "name")
    )
    if themes:
        parts.append(", ".join(themes.values()))
    if filters.get("land"):
        parts.append(", ".join(str(State(v).label) for v in filters["land"] if v in State.values))
    if filters.get("groesse"):
        parts.append(
            ", ".join(str(SizeClass(v).label) for v in filters["groesse"] if v in SizeClass.values)
        )
    return _("Neue Praxisfälle") + (f": {' · '.join(parts)}" if parts else "")


def new_cases(subscription, since):
    """New cases matching the filter, found by the site's search (same matching as /suche/)."""
    filters = {
        name: subscription.filters.get(name, [])
        for name in ("thema", "land", "groesse")
        if subscription.filters.get(name)
    }
    filters["art"] = ["case"]
    within = ""
    if subscription.filters.get("bibliothek"):
        # Only the cases of the library the alert was asked for on; none once it is gone or
        # no longer public (its cases are not public then either).
        library = public_library(subscription.filters["bibliothek"])
        if library is None:
            return []
        within = library.url_path
    items = []
    page = 1
    while len(items) < MAX_ITEMS:
        response = search(
            SearchRequest(
                query=subscription.filters.get("q", ""),
                filters=filters,
                sort="neu",
                page=page,
                page_size=50,
                within=within,
            )
        )
        published = published_at([hit.entry_id for hit in response.results])
        older_seen = False
        for hit in response.results:
            when = published.get(hit.entry_id)
            if when is None or when <= since:
                older_seen = True
                continue
            towns = ", ".join(hit.towns)
            items.append(Item(hit.page.title, absolute_url(hit.page.url), hit.summary, towns))
        if older_seen or page >= response.num_pages:
            break
        page += 1
    return items[:MAX_ITEMS]


def new_events(subscription, since):
    """Upcoming events announced (first published) since the last digest."""
    events = upcoming_events(first_published_at__gt=since)
    formats = subscription.filters.get("format")
    if formats:
        events = events.filter(event_format__in=formats)
    items = []
    for event in events[:MAX_ITEMS]:
        start = timezone.localtime(event.start)
        detail = f"{start:%d.%m.%Y, %H:%M} " + _("Uhr") + f" · {event.place}"
        items.append(
            Item(event.title, absolute_url(event.url or event.url_path), event.summary, detail)
        )
    return items


def new_items(subscription, since=None):
    since = since or subscription.since
    if subscription.kind == Subscription.Kind.EVENTS:
        return new_events(subscription, since)
    return new_cases(subscription, since)


def unsubscribe_url(subscription, request=None):
    token = make_token(subscription, UNSUBSCRIBE_SALT)
    return absolute_url(reverse("alerts:unsubscribe", args=[token]), request)


def confirm_url(subscription, request=None):
    token = make_token(subscription, CONFIRM_SALT)
    return absolute_url(reverse("alerts:confirm", args=[token]), request)


def _message(subscription, subject, template, context, request=None):
    unsubscribe = unsubscribe_url(subscription, request)
    context = {
        "subscription": subscription,
        "description": describe(subscription),
        "unsubscribe_url": unsubscribe,
        "site_url": absolute_url("/", request),
        **context,
    }
    return EmailMessage(
        subject=subject,
        body=render_to_string(template, context),
        to=[subscription.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def send_confirmation(subscription, request=None):
    if subscription.is_confirmed:
        subject = _("Ihre Benachrichtigung besteht bereits")
        context = {}
    else:
        subject = _("Bitte bestätigen Sie Ihre Benachrichtigung")
        context = {
            "confirm_url": confirm_url(subscription, request),
            "days": getattr(settings, "ALERTS_CONFIRM_DAYS", 7),
        }
    _message(subscription, subject, "alerts/email/confirm.txt", context, request).send()


def send_digest(subscription, items):
    subject = _("Praxisatlas Kleinstadt: %(count)d Neuigkeiten – %(what)s") % {
        "count": len(items),
        "what": describe(subscription),
    }
    _message(subscription, subject[:200], "alerts/email/digest.txt", {"items": items}).send()


def send_digests(now=None, dry_run=False):
    """Send every confirmed subscription what is new since its last digest; returns counts.
    Logs numbers only, never addresses."""
    now = now or timezone.now()
    sent = empty = failed = 0
    for subscription in Subscription.objects.filter(confirmed_at__isnull=False).order_by("pk"):
        items = new_items(subscription)
        if not items:
            empty += 1
            continue
        if dry_run:
            sent += 1
            continue
        try:
            send_digest(subscription, items)
        except Exception:
            failed += 1
            logger.exception("Digest for subscription %s failed", subscription.pk)
            continue
        subscription.last_sent_at = now
        subscription.save(update_fields=["last_sent_at"])
        sent += 1
    logger.info("Alert digests: %d sent, %d without news, %d failed", sent, empty, failed)
    return sent, empty, failed


def purge_unconfirmed(now=None):
    """Delete subscriptions never confirmed within the confirmation period."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=getattr(settings, "ALERTS_CONFIRM_DAYS", 7))
    deleted, _details = Subscription.objects.filter(
        confirmed_at__isnull=True, created_at__lt=cutoff
    ).delete()
    return deleted
