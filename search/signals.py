"""Keep search entries in step with every change, through the outbox (search/outbox.py).

Each change writes its task in its own transaction, so a rolled-back change leaves nothing
behind and a committed one is never forgotten; the entries are derived again in bulk after
the commit. What must leave the public search goes at once, in the transaction of the change,
without waiting for a drain: the entries of a page that is unpublished, of a page and all
pages below it when a view restriction is added or changed, of pages moved below a
restriction; deleting a page deletes its entry through the foreign key's cascade.

Change -> task: publishing -> the page (and the addresses below it, for a new slug); a slug
changed without publishing -> the addresses below; a move -> the moved subtree; a view
restriction removed -> its subtree; reference data saved (SEARCH_ENTRIES_DEPEND_ON: themes,
towns, funding programmes, organisations, tags) -> the pages that show it, found by the drain;
reference data deleted -> the pages that showed it, found before the delete removes the
links; synonyms -> the consumers reload them.
"""

import logging
import threading
from contextlib import contextmanager

from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from core.cache import content_changed

from . import indexer, outbox
from .models import SearchEntry, Synonym
from .retrieval import database_retriever, server_backends

logger = logging.getLogger(__name__)
# Pages published inside ``batched_indexing()`` in this thread (None outside).
_batch = threading.local()


@contextmanager
def batched_indexing():
    """Inside the block, publishing a page notes it; each page's entry is queued once when
    the block ends without an error (an import publishes a page several times). On an error
    nothing is queued: the caller's transaction is rolled back. Nested blocks: the outer
    one queues."""
    if getattr(_batch, "pages", None) is not None:
        yield
        return
    _batch.pages = {}
    try:
        yield
        pages = _batch.pages
    finally:
        _batch.pages = None
    for page_id in pages:
        _enqueue_published(page_id)


def _enqueue_published(page_id):
    # A new slug changed the addresses of the descendants (Wagtail updated them in this
    # transaction; its page_slug_changed signal only comes after the commit).
    outbox.enqueue(outbox.page_task(page_id), outbox.paths_task(page_id))


def on_published(sender, instance, **kwargs):
    pages = getattr(_batch, "pages", None)
    if pages is not None:
        pages[instance.pk] = True
    else:
        _enqueue_published(instance.pk)


def on_slug_changed(sender, instance, **kwargs):
    """A slug changed without publishing (a script saving a live page)."""
    outbox.enqueue(outbox.paths_task(instance.pk))


def on_unpublished(sender, instance, **kwargs):
    outbox.remove_entries(SearchEntry.objects.filter(page_id=instance.pk))


def on_moved(sender, instance, **kwargs):
    outbox.remove_not_public_below(instance)
    outbox.enqueue(outbox.subtree_task(instance.pk))


def on_reference_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        outbox.enqueue(outbox.reference_task(instance))


def on_reference_deleting(sender, instance, **kwargs):
    """Before the delete removes the links: the pages that show the object."""
    page_ids = indexer.page_ids_showing(instance)
    if page_ids:
        key = f"deleted:{sender._meta.label_lower}:{instance.pk}"
        outbox.enqueue(outbox.pages_task(page_ids, key=key))


def on_restriction_saved(sender, instance, raw=False, **kwargs):
    """A view restriction added or changed (the admin's privacy dialog saves one without
    publishing): its page and every page below leave the search at once, in the same
    transaction."""
    if not raw and instance.page_id:
        outbox.remove_subtree(instance.page)


def on_restriction_deleted(sender, instance, **kwargs):
    """A view restriction removed: the pages below come back after the commit (if the
    restriction went with its page, the drain finds no page)."""
    outbox.enqueue(outbox.subtree_task(instance.page_id))


def on_synonyms_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        outbox.enqueue(outbox.synonyms_task())


def on_entry_saved(sender, instance, raw=False, **kwargs):
    """An entry saved one by one, outside the indexer (which writes in bulk and updates the
    full-text index itself)."""
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
    outbox.entry_removed(instance)


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
    post_save.connect(on_synonyms_changed, sender=Synonym)
    post_delete.connect(on_synonyms_changed, sender=Synonym)
    post_save.connect(on_entry_saved, sender=SearchEntry)
    post_delete.connect(on_entry_deleted, sender=SearchEntry)
