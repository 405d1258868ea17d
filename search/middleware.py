"""Work left in the search outbox is drained at the start of a request, for a bounded time.

The drain after each commit (search/outbox.py) does the work as a rule. This is the safety
net for work it could not do: the rest of a drain that ran out of time, a drain after commit
that failed, a task whose retry is due, work left by a process (on any host) that ended before
it finished. Asking costs no query in the steady state: a request looks at the outbox only
when this process wrote a task since it last found the outbox empty, and otherwise once every
``SEARCH_OUTBOX_CHECK_SECONDS`` per process (for the work of other processes and hosts).
"""

import logging
import time

from django.conf import settings

from . import outbox

logger = logging.getLogger(__name__)

# Pages per transaction here: a slice must fit well into the request's time budget.
REQUEST_SLICE_PAGES = 20


class OutboxMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.last_check = time.monotonic()

    def __call__(self, request):
        try:
            self.drain_leftovers()
        except Exception:  # the outbox keeps the work; the visitor gets the page
            logger.exception("Search outbox: drain at request start failed")
        return self.get_response(request)

    def drain_leftovers(self):
        now = time.monotonic()
        every = getattr(settings, "SEARCH_OUTBOX_CHECK_SECONDS", 60)
        if not outbox.written_here() and not (every and now - self.last_check >= every):
            return
        self.last_check = now
        outbox.drain(
            max_seconds=getattr(settings, "SEARCH_OUTBOX_REQUEST_SECONDS", 0.1),
            slice_pages=REQUEST_SLICE_PAGES,
        )
