"""Work left in the search outbox is drained at the start of a request, for a bounded time.

The drain after each commit (search/outbox.py) does the work as a rule. This is the safety
net for work it could not do: a process that ended before its background drain finished, a
task whose retry is due, a host whose drain after commit failed. Asking costs nothing in the
steady state: the outbox is only looked at when the content generation (core.cache, read once
per request anyway) differs from the one this process last found the outbox empty at; every
change that writes a task starts a new generation in its transaction.
"""

import logging

from django.conf import settings

from core.cache import generation

from . import outbox

logger = logging.getLogger(__name__)

# Pages per transaction here: a slice must fit well into the request's time budget.
REQUEST_SLICE_PAGES = 20


class OutboxMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.checked_generation = None

    def __call__(self, request):
        try:
            self.drain_leftovers()
        except Exception:  # the outbox keeps the work; the visitor gets the page
            logger.exception("Search outbox: drain at request start failed")
        return self.get_response(request)

    def drain_leftovers(self):
        token = generation()
        if token == self.checked_generation:
            return
        remaining = 0
        if outbox.pending().exists():
            result = outbox.drain(
                max_seconds=getattr(settings, "SEARCH_OUTBOX_REQUEST_SECONDS", 0.1),
                slice_pages=REQUEST_SLICE_PAGES,
            )
            remaining = result.remaining
        if not remaining:
            # The token read before looking: a task committed since came with a new one.
            self.checked_generation = token
