"""Index each imported page once, at the end of an import, instead of on every save.

Creating and publishing a page saves it three times (``add_child``, ``save_revision``,
``publish``); each save makes Wagtail's search index (modelsearch) enqueue a task that
rebuilds the page's document, and publishing queues its search entry. Inside
``deferred_search_updates()`` these updates are collected per page and run once when the
block ends without an error (on an error the transaction is rolled back and nothing needs
indexing).

modelsearch's updates are deferred through the task framework it enqueues them with
(``django_tasks``): the site's task backend, :class:`DeferringImmediateBackend`, runs tasks
at once like Django's ``ImmediateBackend`` except inside the block in this thread, where it
keeps one task per task and arguments until the block ends. Nothing of modelsearch is
disconnected or replaced; a backend is the extension point the task framework documents.
The search entries are batched by the search service itself (``search.service.batched_indexing``).
"""

import threading
from contextlib import contextmanager

from django.utils import timezone
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id

from search.service import batched_indexing

_state = threading.local()


def _pending():
    return getattr(_state, "pending", None)


class DeferringImmediateBackend(ImmediateBackend):
    """Django's immediate task backend; inside ``deferred_search_updates()`` a task waits
    for the end of the block, and the same task with the same arguments runs once."""

    def enqueue(self, task, args, kwargs):
        pending = _pending()
        if pending is None:
            return super().enqueue(task, args, kwargs)
        self.validate_task(task)
        key = ("task", task.module_path, repr(args), repr(sorted(kwargs.items())))
        pending[key] = (self.run_later, task, args, kwargs)
        return TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )

    def run_later(self, task, args, kwargs):
        return super().enqueue(task, args, kwargs)


@contextmanager
def deferred_search_updates():
    with batched_indexing():
        if _pending() is not None:  # nested: the outer block indexes
            yield
            return
        _state.pending = {}
        try:
            yield
            pending = _state.pending
        finally:
            _state.pending = None
        for run, *arguments in pending.values():
            run(*arguments)
