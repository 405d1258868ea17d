"""A suggestion becomes a draft case in the library, submitted to the editorial workflow, and
an e-mail to the editors.

The draft holds only what may later be published (title, summary, the description as the
"Ausgangslage" section, the website, the town if the library already knows it); the contact
stays in :class:`CaseSuggestion`. An unknown town is not created: the editors match it to the
reference data (a free-text name from a form would make near-duplicates) and find it in the
e-mail and in the draft's summary.
"""

import logging
import re

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from casestudies.importer import german_slugify
from casestudies.models import CaseLibraryPage, CasePage, CaseTown, Town
from core.links import page_edit_url
from core.roles import EDITORS, group_addresses

from .models import CaseSuggestion

logger = logging.getLogger(__name__)

SUMMARY_LENGTH = 400


def _unique_slug(title):
    base = (german_slugify(title) or "vorschlag")[:60].strip("-")
    base = f"vorschlag-{base}"
    slug, number = base, 1
    while CasePage.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


BRACKET_NOTE = re.compile(r"\s*\([^)]*\)\s*$")


def _paragraphs(text):
    return "".join(f"<p>{escape(part.strip())}</p>" for part in text.split("\n\n") if part.strip())


def _known_town(name):
    """The one town of that name; a bracket note ("Osterburg (Altmark)") may be part of the
    town's official name or not (the importer keeps notes apart), so both are tried."""
    name = name.strip()
    base = BRACKET_NOTE.sub("", name).strip()
    for lookup in (
        {"name__iexact": name},
        {"name__iexact": base},
        {"name__istartswith": base + " ("},
    ):
        matches = list(Town.objects.filter(**lookup)[:2])
        if matches:
            return matches[0] if len(matches) == 1 else None
    return None


def build_draft(library, data):
    """The unsaved draft case for the cleaned form ``data``."""
    summary = Truncator(data["description"].replace("\n", " ")).chars(SUMMARY_LENGTH)
    page = CasePage(
        title=data["title"],
        slug=_unique_slug(data["title"]),
        summary=summary,
        project_website=data.get("website") or "",
        live=False,
        body=[
            (
                "section",
                {
                    "kind": "starting_point",
                    "heading": "",
                    "content": [("paragraph", _paragraphs(data["description"]))],
                },
            )
        ],
    )
    town = _known_town(data["town"])
    if town is not None:
        page.case_towns = [CaseTown(town=town, role=CaseTown.Role.LEAD)]
    return page, town


@transaction.atomic
def create_suggestion(data):
    """Store the suggestion, create the draft and start the library's workflow. Returns the
    suggestion (its ``page`` is the draft; ``None`` only if there is no library)."""
    suggestion = CaseSuggestion.objects.create(
        title=data["title"],
        town=data["town"],
        description=data["description"],
        website=data.get("website") or "",
        contact_name=data["contact_name"],
        contact_email=data["contact_email"],
    )
    library = CaseLibraryPage.objects.order_by("path").first()
    if library is None:
        logger.error("Case suggestion %s: no case library for the draft", suggestion.pk)
        return suggestion
    page, _town = build_draft(library, data)
    library.add_child(instance=page)
    page.save_revision(log_action=True)
    workflow = page.get_workflow()
    if workflow is not None:
        workflow.start(page, None)
    suggestion.page = page
    suggestion.save(update_fields=["page"])
    transaction.on_commit(lambda: notify_editors(suggestion))
    return suggestion


def notify_editors(suggestion):
    recipients = group_addresses(EDITORS)
    if not recipients:
        logger.warning("Case suggestion %s: no editor with an e-mail address", suggestion.pk)
        return
    context = {"suggestion": suggestion, "town_known": False}
    if suggestion.page_id:
        context["edit_url"] = page_edit_url(suggestion.page_id)
        context["town_known"] = suggestion.page.case_towns.exists()
    subject = _("Neuer Fallvorschlag: „%(title)s“ aus %(town)s") % {
        "title": suggestion.title,
        "town": suggestion.town,
    }
    body = render_to_string("suggestions/email/editors.txt", context)
    send_mail(subject, body, None, recipients)
    logger.info("Case suggestion %s sent to %d editor(s)", suggestion.pk, len(recipients))
