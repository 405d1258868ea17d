"""Derived indexes that follow the search entries: a search engine's index, the vectors of
the semantic search. Each registers a consumer here; whatever writes entries tells the
consumers which entries changed, after the commit, in bulk.

A consumer has a ``name`` and three methods:

- ``index(entry_ids)``: (re)index these SearchEntry ids, reading them from the database;
- ``remove(entry_ids)``: forget these entry ids (their rows are gone);
- ``rebuild(progress=None)``: index every entry from scratch; ``progress(done, total)``.

A consumer may set ``order`` (default 0): consumers run in ascending order, so one that reads
what another writes runs after it (the search engine's documents carry the semantic search's
vectors, so it runs after the ``semantic`` consumer).

It may have a fourth method, ``synonyms_changed()``: the editors' synonyms changed (an engine
reloads its synonym filter).

A consumer that fails raises; the caller keeps the work to retry it. The caller is the outbox
(search/outbox.py): it notifies once per drain, and ``manage.py rebuild_search`` calls each
consumer's ``rebuild``.
"""

_registry = {}


def register(consumer):
    """Register a consumer (an instance); registering the same name again replaces it."""
    _registry[consumer.name] = consumer
    return consumer


def unregister(name):
    _registry.pop(name, None)


def registered():
    return sorted(_registry.values(), key=lambda consumer: getattr(consumer, "order", 0))


def notify(changed_ids=(), removed_ids=()):
    """Tell every consumer about changed and removed entries (after the commit)."""
    changed_ids, removed_ids = sorted(set(changed_ids)), sorted(set(removed_ids))
    for consumer in registered():
        if removed_ids:
            consumer.remove(removed_ids)
        if changed_ids:
            consumer.index(changed_ids)


def synonyms_changed():
    """Tell the consumers that care that the editors' synonyms changed."""
    for consumer in registered():
        reload = getattr(consumer, "synonyms_changed", None)
        if reload is not None:
            reload()
