"""Index each imported page once, at the end of an import, instead of on every save.

Creating and publishing a page saves it three times (``add_child``, ``save_revision``,
``publish``); each save makes Wagtail's search index (modelsearch) rebuild the page's
document, and publishing makes ``search.signals`` rebuild its search entry. Inside
``deferred_search_updates()`` these updates are collected per page and run once when the
block ends without an error (on an error the transaction is rolled back and nothing needs
indexing). Outside the block, and in other threads, the handlers behave as before: the
original receivers are wrapped, not replaced by something else.
"""

import threading
from contextlib import contextmanager

from django.db.models.signals import post_save
from wagtail.signals import page_published

_state = threading.local()
_install_lock = threading.Lock()
_installed = False


def _pending():
    return getattr(_state, "pending", None)


def _install():
    """Wrap modelsearch's post_save receiver for pages and the search app's publish receiver
    (once per process)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from modelsearch.signal_handlers import post_save_signal_handler

        from search import signals as search_signals

        from .models import CasePage

        for sender in (CasePage,):
            if post_save.disconnect(post_save_signal_handler, sender=sender):
                post_save.connect(
                    _deferring(post_save_signal_handler, "index"), sender=sender, weak=False
                )
        if page_published.disconnect(search_signals.on_published):
            page_published.connect(_deferring(search_signals.on_published, "entry"), weak=False)
        _installed = True


def _deferring(receiver, kind):
    def wrapper(sender, instance, **kwargs):
        pending = _pending()
        if pending is None or kwargs.get("raw", False):
            return receiver(sender=sender, instance=instance, **kwargs)
        pending[(kind, instance.pk)] = (receiver, sender, instance, kwargs)

    wrapper.__name__ = f"deferred_{receiver.__name__}"
    return wrapper


@contextmanager
def deferred_search_updates():
    _install()
    if _pending() is not None:  # nested: the outer block indexes
        yield
        return
    _state.pending = {}
    try:
        yield
        pending = _state.pending
    finally:
        _state.pending = None
    for receiver, sender, instance, kwargs in pending.values():
        receiver(sender=sender, instance=instance, **kwargs)
