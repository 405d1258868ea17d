"""Keeping cases fresh: which cases are due for a check, the reminder mails, the signed link
with which a case's contact confirms "Angaben sind aktuell", and status changes."""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from casestudies.completeness import IncompleteCase
from casestudies.freshness import check_cutoff, is_running_past_end, running_past_end_ids
from casestudies.models import CasePage
from core.links import absolute_url, page_edit_url
from core.roles import EDITORS, group_addresses
from core.tokens import make_object_token, read_object_token

logger = logging.getLogger(__name__)

CHECK_SALT = "editorial.case-check"


def due_cases(months=None, today=None):
    """Live cases whose "Zuletzt geprüft" is missing or older than the cutoff, and those
    still "laufend" more than a year after their period ended (casestudies.freshness)."""
    cutoff = check_cutoff(months, today)
    live = CasePage.objects.live()
    past_end = running_past_end_ids(live, today)
    return (
        live.filter(Q(last_checked__isnull=True) | Q(last_checked__lt=cutoff) | Q(pk__in=past_end))
        .select_related("owner")
        .order_by("last_checked", "title")
    )


def running_past_end(page, today=None):
    """The case says "laufend", but its period ended more than a year ago."""
    return is_running_past_end(
        page.status,
        page.period_end_year,
        page.period_end_month,
        page.period_open,
        page.last_checked,
        today,
    )


# Signed confirmation links ---------------------------------------------------------------


def _checked_on(page):
    return page.last_checked.isoformat() if page.last_checked else ""


def make_token(page):
    return make_object_token(page, CHECK_SALT, _checked_on)


def read_token(token):
    """The case a link is for, or None when it is forged, expired or already used (the
    last_checked it was made for has changed since)."""
    return read_object_token(
        token,
        CHECK_SALT,
        CasePage.objects.live(),
        _checked_on,
        max_age=settings.CASE_CHECK_LINK_DAYS * 86400,
    )


def confirm_url(page):
    return absolute_url(reverse("editorial:confirm_check", args=[make_token(page)]))


# Writing: a new revision for each change, logged in the page history ------------------------


@transaction.atomic
def mark_checked(page, user=None, today=None):
    """Set last_checked on the live case through a new, published revision. A draft in
    progress stays the latest revision and gets the date too, so nothing is lost."""
    today = today or timezone.localdate()
    page = CasePage.objects.select_for_update().get(pk=page.pk)
    draft = page.get_latest_revision() if page.has_unpublished_changes else None
    page.last_checked = today
    revision = page.save_revision(user=user, log_action=True, clean=False)
    # Confirming is a fact about the published case, not a content change to review.
    revision.publish(user=None, log_action=True)
    if draft is not None:
        draft_object = draft.as_object()
        draft_object.last_checked = today
        draft_object.save_revision(user=draft.user, log_action=False, clean=False)
    log(page, "editorial.checked", user=user, data={"last_checked": today.isoformat()})
    return page


@dataclass
class StatusChange:
    published: bool
    submitted: bool
    message: str = ""
    missing: list = field(default_factory=list)


@transaction.atomic
def change_status(page, status, user):
    """Change a case's status in one step: publish it if the user may publish (and the case
    is complete), otherwise save a draft and submit it to the moderation workflow.

    Publishing starts from the live version, so that a pending draft is not published along
    with the status; the draft keeps its place as the latest revision and gets the status
    too."""
    perms = page.permissions_for_user(user)
    page = CasePage.objects.get(pk=page.pk)
    old = page.get_latest_revision_as_object().status
    if perms.can_publish() and page.live:
        draft = page.get_latest_revision() if page.has_unpublished_changes else None
        page.status = status
        revision = page.save_revision(user=user, log_action=True, clean=False)
        log(
            page, "editorial.status", user=user, data={"old": old, "new": status}, revision=revision
        )
        try:
            revision.publish(user=user)
        except IncompleteCase as error:
            return StatusChange(published=False, submitted=False, missing=error.messages)
        if draft is not None:
            draft_object = draft.as_object()
            draft_object.status = status
            draft_object.save_revision(user=draft.user, log_action=False, clean=False)
        return StatusChange(published=True, submitted=False)
    latest = page.get_latest_revision_as_object()
    latest.status = status
    revision = latest.save_revision(user=user, log_action=True, clean=False)
    log(page, "editorial.status", user=user, data={"old": old, "new": status}, revision=revision)
    workflow = page.get_workflow()
    if workflow is not None and not page.workflow_in_progress and perms.can_submit_for_moderation():
        workflow.start(page, user)
        return StatusChange(published=False, submitted=True)
    return StatusChange(published=False, submitted=False)


# Reminders -------------------------------------------------------------------------------


def editor_recipients(page):
    if page.owner_id and page.owner.email and page.owner.is_active:
        return [page.owner.email]
    return group_addresses(EDITORS)


def contact_recipients(page):
    return sorted(
        {
            link.contact.email
            for link in page.case_contacts.select_related("contact")
            if link.contact.email
        }
    )


def reminder_for(page, months):
    """(recipients, subject, body, kind) for one due case; kind is "contact" or "editor"."""
    contacts = contact_recipients(page)
    context = {
        "page": page,
        "months": months,
        "public_url": absolute_url(page.get_url() or "/"),
        "past_end": running_past_end(page),
    }
    if contacts:
        context["confirm_url"] = confirm_url(page)
        template, recipients, kind = "editorial/email/check_contact.txt", contacts, "contact"
    else:
        context["edit_url"] = page_edit_url(page.pk)
        template, recipients, kind = (
            "editorial/email/check_editor.txt",
            editor_recipients(page),
            "editor",
        )
    subject = _("Bitte prüfen: „%(title)s“ im Praxisatlas Kleinstadt") % {"title": page.title}
    return recipients, subject, render_to_string(template, context), kind


def send_reminder(page, months):
    recipients, subject, body, kind = reminder_for(page, months)
    if recipients:
        send_mail(subject, body, None, recipients)
        logger.info("Check reminder for case %s sent to %d %s(s)", page.pk, len(recipients), kind)
    return recipients, kind
