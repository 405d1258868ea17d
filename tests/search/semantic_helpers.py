"""Vectors for the tests of the semantic search.

Embedding the whole relevance corpus (about 1,100 passages) takes minutes on two busy cores,
so the tests keep the real model's passage vectors in a file in TEST_EMBEDDINGS_DIR, keyed by the
passage text and the model: the first run computes them, later runs read them. Nothing is
invented: a passage that is not in the file is embedded by the model.
"""

import hashlib
import os
import tempfile
from contextlib import contextmanager
from unittest import mock

import numpy as np
from django.conf import settings
from django.test import override_settings

from search import consumers
from search.models import SearchEntry
from search.semantic import store
from search.semantic.provider import get_provider


class CachedPassages:
    """The configured provider, with its passage vectors kept in a file between runs."""

    def __init__(self, provider):
        self.provider = provider
        self.name, self.dim, self.model_id = provider.name, provider.dim, provider.model_id
        self.path = settings.TEST_EMBEDDINGS_DIR / f"{provider.model_id}.npz"
        self.vectors = dict(np.load(self.path)) if self.path.exists() else {}

    def queries(self, texts):
        return self.provider.queries(texts)

    def passages(self, texts):
        texts = list(texts)
        keys = [hashlib.sha1(t.encode(), usedforsecurity=False).hexdigest() for t in texts]
        missing = [i for i, key in enumerate(keys) if key not in self.vectors]
        if missing:
            computed = self.provider.passages([texts[i] for i in missing])
            for i, vector in zip(missing, computed, strict=True):
                self.vectors[keys[i]] = vector
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Written aside and renamed: parallel test workers (pytest-xdist) and later runs
            # never read a half-written file.
            with tempfile.NamedTemporaryFile(dir=self.path.parent, delete=False) as handle:
                np.savez(handle, **self.vectors)
            os.replace(handle.name, self.path)
        return np.array([self.vectors[key] for key in keys], dtype=np.float32)


@contextmanager
def cached_embeddings():
    """Index and search with the cached provider inside this block."""
    provider = CachedPassages(get_provider())
    with (
        override_settings(SEMANTIC_SEARCH_AUTO_INDEX=True),
        mock.patch("search.semantic.index.get_provider", return_value=provider),
    ):
        yield provider


def index_entries(entry_ids=None):
    """Embed these entries (all when None) through the consumer contract, as the outbox
    does after a commit."""
    ids = entry_ids or list(SearchEntry.objects.values_list("pk", flat=True))
    with cached_embeddings():
        consumers.notify(changed_ids=ids)
    store.reset_matrix()
    return ids
