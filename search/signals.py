"""Keep search entries in step with publishing, and the database full-text index in step
with the entries.

Entries are written inside the publishing transaction, so a rolled-back publish leaves no
entry behind. Deleting a page deletes its entry through the foreign key's cascade.
"""

from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import indexer
from .models import SearchEntry
from .retrieval import database_retriever


def on_published(sender, instance, **kwargs):
    indexer.update_page(instance)


def on_unpublished(sender, instance, **kwargs):
    indexer.update_page(instance)


def on_moved(sender, instance, **kwargs):
    for page in instance.get_descendants(inclusive=True).live().specific():
        indexer.update_page(page)


def on_entry_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        database_retriever().update(instance)


def on_entry_deleted(sender, instance, **kwargs):
    database_retriever().remove(instance.pk)


def connect():
    page_published.connect(on_published)
    page_unpublished.connect(on_unpublished)
    post_page_move.connect(on_moved)
    post_save.connect(on_entry_saved, sender=SearchEntry)
    post_delete.connect(on_entry_deleted, sender=SearchEntry)
