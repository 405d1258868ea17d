"""Full-page cache for anonymous visitors, and the HTTP caching headers of every response.

``PageCacheMiddleware`` keeps whole GET responses in the ``pages`` cache (Redis with
``REDIS_URL``, shared by all hosts; else files in ``VAR_DIR``). What may never be served from it:

- requests that carry a session, CSRF or messages cookie (logged-in editors with the userbar,
  previews, visitors who sent a form or have a message waiting) or an ``Authorization``
  header, requests to the admin, and every method but GET;
- responses that set a cookie, are not 200, stream, or say ``private``/``no-cache``/
  ``no-store`` (the search and the forms do; pages behind a view restriction do).

Every cached response carries ``ETag`` and ``Last-Modified`` (when it was rendered), so a
browser or proxy that asks again with ``If-None-Match``/``If-Modified-Since`` gets a 304.
Logged-in users get ``Cache-Control: private, no-store`` on every response.

Invalidation: the cache keys contain the content generation (``generation()``), a token in the
database (``core.models.ContentGeneration``) that every app host reads once per request.
Publishing, unpublishing, moving or deleting a page, any change to a search entry and saving
or deleting reference data (themes, towns, synonyms, editors' picks, view restrictions,
sites, …; the list is ``PAGE_CACHE_INVALIDATED_BY``) replace it in the transaction of the
change (``content_changed()``), so every host uses new keys from its next request on. A
response rendered from old data is stored under the old token and never served again.

Each worker keeps the pages it served last in a small bounded memory (``PAGE_CACHE_LOCAL_ENTRIES``,
at most ``PAGE_CACHE_LOCAL_SECONDS`` old) in front of the shared cache, under the same keys: the
token read from the database still decides what is fresh, the memory only saves the round
trip to Redis for the pages asked for most.
"""

import hashlib
import logging
import time
import uuid
from contextvars import ContextVar

from cachetools import TTLCache
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import (
    cc_delim_re,
    get_conditional_response,
    patch_cache_control,
)
from django.utils.http import http_date, parse_http_date_safe
from wagtail.contrib.frontend_cache.utils import PurgeBatch
from wagtail.models import Page, ReferenceIndex, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

logger = logging.getLogger(__name__)

CONTENT_SCOPE = "content"
CACHE_HEADER = "X-Page-Cache"
NO_STORE = ("private", "no-cache", "no-store")
# Vary headers a cached response may carry: this site has one language, and only requests
# without cookies are cached.
HARMLESS_VARY = {"cookie", "accept-language", "accept-encoding"}


def page_cache():
    return caches[settings.PAGE_CACHE_ALIAS]


# Recently served pages of this worker, under the shared cache's keys (which contain the
# content generation): a change never needs to reach this memory, it makes new keys.
_local_pages = TTLCache(
    maxsize=max(settings.PAGE_CACHE_LOCAL_ENTRIES, 1), ttl=settings.PAGE_CACHE_LOCAL_SECONDS
)


def _stored(response):
    """What the cache keeps of a response: status, headers and body, without the response
    object (smaller to pickle, and every hit gets a response of its own)."""
    return (response.status_code, list(response.items()), response.content)


def _restored(stored):
    status, headers, content = stored
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response


def read_cached_page(key):
    """The stored page under ``key``: from this worker's memory, else from the shared cache."""
    stored = _local_pages.get(key) if settings.PAGE_CACHE_LOCAL_ENTRIES else None
    if stored is None:
        stored = page_cache().get(key)
        if stored is not None and settings.PAGE_CACHE_LOCAL_ENTRIES:
            _local_pages[key] = stored
    return None if stored is None else _restored(stored)


def clear_page_cache():
    """Empty the shared page cache and this worker's memory of it (tests, management)."""
    page_cache().clear()
    _local_pages.clear()


def store_cached_page(key, response):
    stored = _stored(response)
    page_cache().set(key, stored, settings.PAGE_CACHE_TIMEOUT)
    if settings.PAGE_CACHE_LOCAL_ENTRIES:
        _local_pages[key] = stored


# The token read in the current request (core.cache.PageCacheMiddleware opens the scope): one
# query per request at most, however many memos, snapshots and cache keys ask for it.
_request_scope = ContextVar("content_generation_scope", default=None)


def read_generation():
    """The content generation as the database has it now (one primary-key lookup)."""
    # core.models imports this module (core.pages -> core.memo) while the app registry loads.
    from .models import ContentGeneration

    # Plain SQL: it runs on every request, and building the ORM query costs more than the
    # lookup itself (the cached page's whole budget is about a millisecond).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT token FROM {ContentGeneration._meta.db_table} WHERE scope = %s",  # noqa: S608
            [CONTENT_SCOPE],
        )
        row = cursor.fetchone()
    token = row[0] if row else None
    if token is None:  # a database the migration's row was removed from
        token = ContentGeneration.objects.get_or_create(
            scope=CONTENT_SCOPE, defaults={"token": uuid.uuid4().hex}
        )[0].token
    return token


def generation():
    """The content generation: read once per request, on first use.

    Whoever keeps derived data under this token reads the token before the data, so the data
    is at least as new as the token says; a change that commits in between replaces the
    token, and the next request builds again."""
    scope = _request_scope.get()
    if scope is None:
        return read_generation()
    token = scope.get("token")
    if token is None:
        token = scope["token"] = read_generation()
    return token


def content_changed(reason=""):
    """Start a new content generation, on every host: the page cache, the memos
    (core.memo), the search snapshot and the editors' picks are built again on each host's
    next request. Call it in the transaction of the change (the signals below do): the new
    token becomes visible to other hosts when, and only when, the change commits."""
    # core.models imports this module (core.pages -> core.memo) while the app registry loads.
    from .models import ContentGeneration

    token = uuid.uuid4().hex
    if not ContentGeneration.objects.filter(scope=CONTENT_SCOPE).update(token=token):
        ContentGeneration.objects.update_or_create(scope=CONTENT_SCOPE, defaults={"token": token})
    scope = _request_scope.get()
    if scope is not None:
        scope.pop("token", None)
    logger.debug("Content changed: %s", reason)


# The name the benchmark calls.
invalidate = content_changed


def skip_page_cache():
    """The response to the current request is incomplete for a moment (e.g. a case page
    without related cases while the search state is being built): do not keep it."""
    scope = _request_scope.get()
    if scope is not None:
        scope["skip"] = True


def page_cache_skipped():
    """Whether ``skip_page_cache`` was called in the current request."""
    scope = _request_scope.get()
    return bool(scope and scope.get("skip"))


def request_is_cacheable(request):
    if request.method != "GET":
        return False
    if any(request.path.startswith(prefix) for prefix in settings.PAGE_CACHE_EXCLUDE_PATHS):
        return False
    cookies = request.COOKIES
    if (
        settings.SESSION_COOKIE_NAME in cookies
        or settings.CSRF_COOKIE_NAME in cookies
        or getattr(settings, "MESSAGE_COOKIE_NAME", "messages") in cookies
    ):
        return False
    return "HTTP_AUTHORIZATION" not in request.META


def response_is_cacheable(response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(directive in cache_control for directive in NO_STORE):
        return False
    if response.has_header("Vary"):
        vary = {v.strip().lower() for v in cc_delim_re.split(response["Vary"]) if v.strip()}
        if vary - HARMLESS_VARY:
            return False
    return True


def cache_key(request, token):
    url = request.build_absolute_uri()
    return f"page:{token}:{hashlib.sha256(url.encode()).hexdigest()}"


def add_public_headers(response):
    """Cache-Control for anonymous visitors, unless the view chose its own lifetime."""
    if "max-age" not in response.get("Cache-Control", ""):
        options = {"public": True, "max_age": settings.CACHE_CONTROL_MAX_AGE}
        if settings.CACHE_CONTROL_S_MAXAGE:
            options["s_maxage"] = settings.CACHE_CONTROL_S_MAXAGE
        patch_cache_control(response, **options)


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scope = _request_scope.set({})
        try:
            return self.respond(request)
        finally:
            _request_scope.reset(scope)

    def respond(self, request):
        if not settings.PAGE_CACHE_ENABLED or not request_is_cacheable(request):
            response = self.get_response(request)
            return self.private_headers(request, response)

        try:
            key = cache_key(request, generation())
            cached = read_cached_page(key)
        except Exception:
            logger.exception("Page cache: could not read")
            return self.get_response(request)
        if cached is not None:
            cached[CACHE_HEADER] = "hit"
            return get_conditional_response(
                request,
                etag=cached["ETag"],
                last_modified=parse_http_date_safe(cached["Last-Modified"]),
                response=cached,
            )

        response = self.get_response(request)
        if not response_is_cacheable(response) or _request_scope.get().get("skip"):
            response[CACHE_HEADER] = "skip"
            return self.private_headers(request, response)
        if hasattr(response, "render") and callable(response.render):
            response.render()
        add_public_headers(response)
        now = time.time()
        response["ETag"] = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
        response["Last-Modified"] = http_date(now)
        response[CACHE_HEADER] = "miss"
        try:
            store_cached_page(key, response)
        except Exception:
            logger.exception("Page cache: could not store")
        return get_conditional_response(
            request, etag=response["ETag"], last_modified=int(now), response=response
        )

    @staticmethod
    def private_headers(request, response):
        """Nothing a logged-in user sees may be kept by a browser or a proxy, except what is
        the same for everyone by design (embeds, feeds, API: partners.middleware)."""
        if getattr(response, "partners_public_data", False):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        elif response.cookies and "Cache-Control" not in response:
            patch_cache_control(response, private=True, no_cache=True)
        return response


# --- Invalidation ------------------------------------------------------------------------------


def _page_changed(sender, instance=None, **kwargs):
    content_changed(f"page {getattr(instance, 'pk', '')}")


def _reference_data_changed(sender, instance=None, **kwargs):
    content_changed(f"{sender._meta.label} {getattr(instance, 'pk', '')}")
    purge_references(instance)


def _page_deleted(sender, instance=None, **kwargs):
    if isinstance(instance, Page):
        _page_changed(sender, instance)


def _memoised_page_saved(sender, instance=None, **kwargs):
    """The memos (core.memo) hold the pages between a site root and a case (routing) and
    pages of types that say ``feeds_memos`` (glossary terms, guides, events): a change to one
    of them, even a draft save or a save without publishing, starts a new generation."""
    # core.pages imports this module (through core.memo) while it loads.
    from .pages import is_container_model

    if isinstance(instance, Page) and (
        instance.depth <= 3
        or getattr(instance, "feeds_memos", False)
        or is_container_model(type(instance))
    ):
        _page_changed(sender, instance)


def purge_references(instance):
    """Frontend cache (CDN): purge the pages that show this object, and the home page and
    listings. Nothing happens unless ``WAGTAILFRONTENDCACHE`` is configured."""
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None) or instance is None:
        return
    batch = PurgeBatch()
    batch.add_pages(pages_showing(instance))
    for site in Site.objects.select_related("root_page"):
        batch.add_page(site.root_page)
        batch.add_pages(site.root_page.get_children().live())
    batch.purge()


# Model label -> a function returning the live pages that show an instance of that model.
# Domain apps register theirs when they load (casestudies/frontend_cache.py), so the base
# layer names no domain model; other models fall back to Wagtail's reference index.
_PAGES_SHOWING = {}


def register_pages_showing(label, finder):
    """Purge ``finder(instance)`` (live pages) when an object of model ``label`` changes."""
    _PAGES_SHOWING[label] = finder


def pages_showing(instance):
    """Live pages that show this object: what its app registered, else the pages the
    reference index knows."""
    finder = _PAGES_SHOWING.get(instance._meta.label)
    if finder is not None:
        return list(finder(instance))
    try:
        references = ReferenceIndex.get_references_to(instance).group_by_source_object()
    except Exception:  # models outside the reference index
        return []
    return [source for source, _refs in references if isinstance(source, Page) and source.live]


def connect_signals():
    page_published.connect(_page_changed, dispatch_uid="page_cache_published")
    page_unpublished.connect(_page_changed, dispatch_uid="page_cache_unpublished")
    post_page_move.connect(_page_changed, dispatch_uid="page_cache_moved")
    post_delete.connect(_page_deleted, dispatch_uid="page_cache_page_deleted")
    post_save.connect(_memoised_page_saved, dispatch_uid="page_cache_memoised_page_saved")
    for label in settings.PAGE_CACHE_INVALIDATED_BY:
        model = apps.get_model(label)
        for signal in (post_save, post_delete):
            signal.connect(
                _reference_data_changed,
                sender=model,
                dispatch_uid=f"page_cache_{signal is post_save}_{label}",
            )
