"""The consumer that keeps the vectors in step with the search entries (search/consumers.py).

It runs after the commit (from the outbox), never in a request. Each entry gets at most three
rows: its title with the summary, its key facts, and the mean of its story chunks. Measured
on the relevance set, the best row of these three ranks better than the best of all chunks
(small chunks match loose words) and better than one mean vector per entry (the title's
meaning drowns in the story); see the README's section on the semantic search.
"""

import numpy as np
from django.conf import settings

from search.models import SearchEntry

from . import store
from .passages import entry_passages, passages_hash
from .provider import get_provider

BATCH = 32
FIELDS = ("id", "heading", "summary", "text", "tags", "theme_names", "towns")


def entry_rows(passage_vectors):
    """The stored rows of one entry from the vectors of its passages (in entry_passages
    order: title and summary, key facts if any, then the story chunks)."""
    vectors = np.asarray(passage_vectors, dtype=np.float32)
    head, story = vectors[:2], vectors[2:]
    if len(story):
        mean = story.mean(axis=0)
        head = np.vstack([head, mean / (np.linalg.norm(mean) or 1.0)])
    return head[: store.ROWS_PER_ENTRY]


class VectorConsumer:
    name = "semantic"

    def index(self, entry_ids):
        provider = get_provider()
        if provider is None or not settings.SEMANTIC_SEARCH_AUTO_INDEX:
            return 0
        entries = SearchEntry.objects.filter(pk__in=list(entry_ids)).only(*FIELDS)
        return self._embed(provider, entries, skip_unchanged=True)

    def remove(self, entry_ids):
        store.delete_vectors(entry_ids)

    def rebuild(self, progress=None):
        """Vectors for every entry: unchanged entries (same passages, same model) keep theirs;
        vectors of another model are dropped. ``progress(done, total)`` after each batch."""
        provider = get_provider()
        if provider is None:
            return 0
        store.delete_vectors(keep_model=provider.model_id)
        ids = list(SearchEntry.objects.order_by("pk").values_list("pk", flat=True))
        done = embedded = 0
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            entries = SearchEntry.objects.filter(pk__in=batch).only(*FIELDS)
            embedded += self._embed(provider, entries, skip_unchanged=True)
            done += len(batch)
            if progress:
                progress(done, len(ids))
        return embedded

    def _embed(self, provider, entries, skip_unchanged):
        """Embed the entries whose passages changed and store their rows; returns how many."""
        passages = {entry.pk: entry_passages(entry) for entry in entries}
        digests = {pk: passages_hash(texts, provider.model_id) for pk, texts in passages.items()}
        if skip_unchanged:
            stored = store.stored_digests(passages)
            passages = {pk: t for pk, t in passages.items() if stored.get(pk) != digests[pk]}
        if not passages:
            return 0
        texts = [text for group in passages.values() for text in group]
        vectors = provider.passages(texts)
        rows, offset = {}, 0
        for pk, group in passages.items():
            rows[pk] = entry_rows(vectors[offset : offset + len(group)])
            offset += len(group)
        store.save_vectors(rows, provider.model_id, digests)
        return len(rows)
