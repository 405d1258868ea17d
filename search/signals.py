"""Keep search entries in step with publishing, and the database full-text index in step
with the entries.

Entries are written inside the publishing transaction, so a rolled-back publish leaves no
entry behind. Deleting a page deletes its entry through the foreign key's cascade. Entries
also follow what they show of other objects: the addresses of descendants when a slug
changes, view restrictions on a page or an ancestor, and the names, slugs and numbers of
reference data (SEARCH_ENTRIES_DEPEND_ON). Every write to an entry starts a new content
generation (core.cache.content_changed), so the search snapshot of every worker on every
host is rebuilt on its next search.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from core import visibility
from core.cache import content_changed

from . import indexer
from .models import SearchEntry
from .retrieval import database_retriever, server_backends

logger = logging.getLogger(__name__)


def on_published(sender, instance, **kwargs):
    indexer.update_page(instance)
    # A new slug changed the addresses of the descendants (Wagtail updated them in this
    # transaction; its page_slug_changed signal only comes after the commit).
    indexer.follow_url_paths(instance)


def on_slug_changed(sender, instance, **kwargs):
    """A slug changed without publishing (a script saving a live page)."""
    indexer.follow_url_paths(instance)


def on_unpublished(sender, instance, **kwargs):
    indexer.update_page(instance)


def on_moved(sender, instance, **kwargs):
    indexer.update_subtree(instance)


# Pages whose entries show an object being deleted, found before the delete removes the links.
_showing_deleted = {}


def _deleted_key(instance):
    return (type(instance), instance.pk)


def on_reference_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        indexer.update_pages(indexer.pages_showing(instance))


def on_reference_deleting(sender, instance, **kwargs):
    _showing_deleted[_deleted_key(instance)] = indexer.pages_showing(instance)


def on_reference_deleted(sender, instance, **kwargs):
    indexer.update_pages(_showing_deleted.pop(_deleted_key(instance), ()))


def on_restriction_saved(sender, instance, raw=False, **kwargs):
    """A view restriction added or changed (the admin's privacy dialog saves one without
    publishing): its page and every page below leave the search at once, in the same
    transaction."""
    if not raw:
        indexer.update_pages_by_id(visibility.restriction_changed(instance))


def on_restriction_deleted(sender, instance, **kwargs):
    """A view restriction removed: the entries come back after the commit, because the
    restriction may go with its page (an entry written now would block deleting it)."""
    page_ids = visibility.restriction_changed(instance)
    if page_ids:
        transaction.on_commit(lambda: indexer.update_pages_by_id(page_ids))


def on_entry_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    content_changed(f"search entry {instance.pk}")
    database_retriever().update(instance)
    for backend in server_backends():
        try:
            backend.add(instance)
        except Exception:  # the server is down: the database index is still current
            logger.exception("Could not index search entry %s in %r", instance.pk, backend)


def on_entry_deleted(sender, instance, **kwargs):
    content_changed(f"search entry {instance.pk} deleted")
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
    page_slug_changed.connect(on_slug_changed)
    post_save.connect(on_restriction_saved, sender=PageViewRestriction)
    post_delete.connect(on_restriction_deleted, sender=PageViewRestriction)
    for model in indexer.dependent_models():
        post_save.connect(on_reference_saved, sender=model)
        pre_delete.connect(on_reference_deleting, sender=model)
        post_delete.connect(on_reference_deleted, sender=model)
    post_save.connect(on_entry_saved, sender=SearchEntry)
    post_delete.connect(on_entry_deleted, sender=SearchEntry)
