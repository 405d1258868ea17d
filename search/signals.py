"""Keep search entries in step with publishing, and the database full-text index in step
with the entries.

Entries are written inside the publishing transaction, so a rolled-back publish leaves no
entry behind. Deleting a page deletes its entry through the foreign key's cascade.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from core import visibility

from . import indexer
from .models import SearchEntry
from .retrieval import database_retriever, server_backends

logger = logging.getLogger(__name__)


def on_published(sender, instance, **kwargs):
    indexer.update_page(instance)


def on_unpublished(sender, instance, **kwargs):
    indexer.update_page(instance)


def on_moved(sender, instance, **kwargs):
    for page in instance.get_descendants(inclusive=True).live().specific():
        indexer.update_page(page)


def on_restriction_changed(sender, instance, raw=False, **kwargs):
    """A view restriction added, changed or removed (the admin's privacy dialog saves one
    without publishing): the entries of its page and every page below follow after the
    commit (a restriction deleted with its page leaves nothing to update)."""
    if raw:
        return
    page_ids = visibility.restriction_changed(instance)
    if page_ids:
        transaction.on_commit(lambda: indexer.update_pages(page_ids))


def on_entry_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    database_retriever().update(instance)
    for backend in server_backends():
        try:
            backend.add(instance)
        except Exception:  # the server is down: the database index is still current
            logger.exception("Could not index search entry %s in %r", instance.pk, backend)


def on_entry_deleted(sender, instance, **kwargs):
    database_retriever().remove(instance.pk)
    for backend in server_backends():
        try:
            backend.delete(instance)
        except Exception:
            logger.exception("Could not remove search entry %s from %r", instance.pk, backend)


def connect():
    page_published.connect(on_published)
    page_unpublished.connect(on_unpublished)
    post_page_move.connect(on_moved)
    post_save.connect(on_restriction_changed, sender=PageViewRestriction)
    post_delete.connect(on_restriction_changed, sender=PageViewRestriction)
    post_save.connect(on_entry_saved, sender=SearchEntry)
    post_delete.connect(on_entry_deleted, sender=SearchEntry)
