"""Process-local memos of page-independent data, valid for one content generation.

Some data is the same on every page and changes only when an editor publishes: the sites and
the section pages routing walks through, the glossary terms, which guides and events refer to
which case. Loading it per request costs a handful of SQL queries and their ORM overhead on
every page. ``memoised(key, build)`` keeps what ``build()`` returned in this process until the
content generation changes: a token in the database (``core.cache.generation``, read once
per request), replaced in the transaction of every change that public pages depend on
(publishing, unpublishing, moving, deleting a page, reference data, ``core.cache``), so
every process on every host builds again on its next request. The token is read before the
value is built: a value built while a change commits is kept under the old token and rebuilt
on the next request.

Only data that is the same for every visitor may go here: never a rendered page, nothing that
depends on who asks or on drafts.
"""

import threading

from .cache import generation

_memos = {}
_lock = threading.Lock()


def current_generation(request=None):
    """The content generation; read once per request (``request`` is kept for callers that
    pass it: the request's scope is opened by core.cache.PageCacheMiddleware)."""
    return generation()


def memoised(key, build, request=None):
    token = current_generation(request)
    entry = _memos.get(key)
    if entry is not None and entry[0] == token:
        return entry[1]
    value = build()
    with _lock:
        _memos[key] = (token, value)
    return value


def pages_by_case(pages, link_model):
    """``pages`` (in their order) per id of the case their ``link_model`` rows name: for
    guides and events shown on case pages. ``link_model`` has ``page`` and ``case`` keys."""
    pages = {page.pk: page for page in pages}
    cases_of = {}
    for page_id, case_id in link_model.objects.filter(page_id__in=pages).values_list(
        "page_id", "case_id"
    ):
        cases_of.setdefault(page_id, set()).add(case_id)
    by_case = {}
    for pk, page in pages.items():
        for case_id in cases_of.get(pk, ()):
            by_case.setdefault(case_id, []).append(page)
    return by_case


def clear():
    """Forget every memo (tests that change data behind the signals' back)."""
    with _lock:
        _memos.clear()
