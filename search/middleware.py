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
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

from . import engine, outbox

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


class SearchStateMiddleware:
    """Searches in a request never wait long for the worker's first search state (built in
    the background from worker start on, search.engine.warm_up); a request that comes before
    it is ready gets a 503 with Retry-After: a page saying that the search is being prepared,
    JSON on the API."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with engine.serving_request():
            return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, engine.SearchNotReady):
            return search_not_ready_response(request, exception.retry_after)
        return None


def search_not_ready_response(request, retry_after):
    message = _(
        "Die Suche wird gerade vorbereitet. Bitte versuchen Sie es in einigen Sekunden erneut."
    )
    if request.path_info.startswith("/api/"):
        response = JsonResponse(
            {"detail": str(message)}, status=503, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = HttpResponse(
            loader.get_template("search/preparing.html").render({"message": message}),
            status=503,
        )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response
