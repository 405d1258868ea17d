"""The indexing outbox: search entries and the indexes derived from them follow every change
without rewriting them inside the editor's request.

A change writes an ``IndexTask`` in its own transaction (``enqueue``; search/signals.py says
which change writes which task), so a rolled-back change leaves no task and a committed one
never loses its task. Only re-deriving goes through the outbox: whatever must leave the
public search (a view restriction added, a page unpublished, deleted or moved below a
restriction) is deleted in the transaction of the change itself, before any drain.

``drain()`` works the outbox off in bulk: it claims the pending tasks, turns them into page
ids, derives the entries of those pages in slices (a few queries per slice, entries written
with ``bulk_create``/``bulk_update``, the database full-text index updated), tells the
consumers (search/consumers.py) once which entries changed or went, and starts one new
content generation. Drains run:

- after the commit of every change (``transaction.on_commit``). Work above
  ``SEARCH_OUTBOX_INLINE_PAGES`` pages (a theme shown by ten thousand cases) is not done in
  the editor's request: it goes to a thread of the same process that drains it after the
  response (``SEARCH_OUTBOX_BACKGROUND``), and stays in the outbox meanwhile;
- at the start of a request (``search.middleware.OutboxMiddleware``) for at most
  ``SEARCH_OUTBOX_REQUEST_SECONDS``, when this process wrote a task since it last found the
  outbox empty, or once every ``SEARCH_OUTBOX_CHECK_SECONDS``: the safety net for the rest of
  a bounded drain, a failed one, and work whose process ended before it finished;
- with ``manage.py drain_search_outbox`` (cron or by hand).

Every drain holds what it claimed for ``LEASE`` (other drains on other hosts skip it) and
gives back in the outbox whatever it did not finish. A failing page or consumer does not stop
the others: its task stays with ``attempts`` and ``last_error`` and is tried again after a
growing pause.
"""

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from wagtail.models import Page

from core import visibility
from core.cache import content_changed

from . import consumers, indexer
from .models import IndexTask, SearchEntry, database_now
from .retrieval import database_retriever, server_backends

logger = logging.getLogger(__name__)

Kind = IndexTask.Kind
LEASE = timedelta(minutes=5)
# A drain claims at most this many tasks at a time (a removed entry or a page is one task).
CLAIM_BATCH = 1000
# Pages derived per transaction: large enough for few queries per page, small enough that a
# slice fits into the time budget of a request-start drain.
SLICE_PAGES = 100
MAX_ERROR = 2000

# Set while this thread drains: entry deletions are then collected by the drain itself.
_local = threading.local()
_background_lock = threading.Lock()
_written_here = threading.Event()


def setting(name, default):
    return getattr(settings, name, default)


# --- writing tasks -----------------------------------------------------------------------------


def _task(kind, key, **values):
    now = timezone.now()
    return IndexTask(kind=kind, key=key, created_at=now, available_at=now, **values)


def page_task(page_id):
    return _task(Kind.PAGE, f"page:{page_id}", page_id=page_id)


def subtree_task(page_id):
    return _task(Kind.SUBTREE, f"subtree:{page_id}", page_id=page_id)


def paths_task(page_id):
    return _task(Kind.PATHS, f"paths:{page_id}", page_id=page_id)


def reference_task(instance):
    content_type = ContentType.objects.get_for_model(type(instance))
    return _task(
        Kind.REFERENCE,
        f"reference:{content_type.pk}:{instance.pk}",
        content_type=content_type,
        object_id=str(instance.pk),
    )


def pages_task(page_ids, key=None):
    return _task(Kind.PAGES, key or f"pages:{uuid.uuid4().hex}", page_ids=sorted(page_ids))


def removed_task(entry_id):
    return _task(Kind.REMOVED, f"removed:{entry_id}", entry_id=entry_id)


def synonyms_task():
    return _task(Kind.SYNONYMS, "synonyms")


def enqueue(*tasks):
    """Write tasks in the current transaction and drain after its commit. A task whose key is
    pending already is made available again (and given back by a drain holding it), so the
    newest change is always derived after it committed."""
    if _write(tasks):
        _written_here.set()
        content_changed("search outbox")
        transaction.on_commit(drain_after_commit, robust=True)


def written_here():
    """Did this process write a task since a drain last found the outbox empty? (The
    request-start drain, search/middleware.py, looks only then, or now and then.)"""
    return _written_here.is_set()


def _write(tasks):
    tasks = [task for task in tasks if task is not None]
    if tasks:
        IndexTask.objects.bulk_create(
            tasks,
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["available_at", "claim", "claimed_until", "page_ids"],
        )
    return bool(tasks)


# --- removing at once --------------------------------------------------------------------------


def remove_entries(entries):
    """Delete these entries now, in the caller's transaction (a queryset of SearchEntry).

    The rows go through the model, so the entry signal (search/signals.py) takes each out of
    the database full-text index at once and leaves a ``removed`` task for the consumers."""
    entries.delete()


def remove_subtree(page):
    """Delete the entries of a page and every page below it (a restriction was added)."""
    remove_entries(SearchEntry.objects.filter(page__path__startswith=page.path))


def remove_not_public_below(page):
    """Delete the entries of pages at or below ``page`` that are no longer public (after a move
    below a restricted section). The path as the database has it now, after the move."""
    path = Page.objects.filter(pk=page.pk).values_list("path", flat=True).first()
    if path is None:
        return
    remove_entries(
        SearchEntry.objects.filter(page__path__startswith=path).exclude(
            visibility.public_q("page__path", "page__live")
        )
    )


def draining():
    return getattr(_local, "removed", None) is not None


def entry_removed(entry):
    """Called for every deleted entry (search/signals.py): out of the full-text index now; the
    consumers hear of it from this drain, or from the ``removed`` task a later drain reads."""
    database_retriever().remove(entry.pk)
    for backend in server_backends():
        try:
            backend.delete(entry)
        except Exception:  # the server is down: the database index is still current
            logger.exception("Could not remove search entry %s from %r", entry.pk, backend)
    if draining():
        _local.removed.add(entry.pk)
    else:
        enqueue(removed_task(entry.pk))  # with a new content generation


# --- draining ----------------------------------------------------------------------------------


@dataclass
class DrainResult:
    pages: int = 0  # pages derived (entries written or removed)
    changed: set = field(default_factory=set)  # entry ids written
    removed: set = field(default_factory=set)  # entry ids removed
    failed: int = 0  # tasks left with an error
    remaining: int = 0  # pages left in the outbox for a later drain
    handed_off: bool = False

    @property
    def done(self):
        return bool(self.pages or self.changed or self.removed)


@dataclass
class _Work:
    """What a batch of claimed tasks asks for."""

    page_ids: list = field(default_factory=list)
    path_roots: list = field(default_factory=list)
    removed: set = field(default_factory=set)
    synonyms: bool = False


def pending():
    """Tasks a drain may take now (available and not held by another drain)."""
    now = timezone.now()
    return IndexTask.objects.filter(available_at__lte=now).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def status():
    """For the admin: how many tasks wait, how many failed, how old the oldest is."""
    tasks = IndexTask.objects.all()
    oldest = tasks.order_by("created_at").values_list("created_at", flat=True).first()
    return {
        "pending": tasks.count(),
        "failed": tasks.filter(attempts__gt=0).count(),
        "oldest": oldest,
        "last_error": tasks.filter(attempts__gt=0)
        .order_by("-available_at")
        .values_list("last_error", flat=True)
        .first(),
    }


def _claim(limit):
    token = uuid.uuid4().hex
    ids = list(pending().order_by("available_at", "id").values_list("pk", flat=True)[:limit])
    if not ids:
        return token, []
    # The condition again in the update: of two drains racing for a task, one gets it.
    now = timezone.now()
    pending().filter(pk__in=ids).update(claim=token, claimed_until=now + LEASE)
    return token, list(IndexTask.objects.filter(claim=token).select_related("content_type"))


def _expand(tasks):
    """The page ids (in a stable order, without repeats), address roots and removed entries
    the tasks ask for: one query per subtree or reference task, none for the others."""
    work = _Work()
    seen = set()

    def add(ids):
        for pk in ids:
            if pk not in seen:
                seen.add(pk)
                work.page_ids.append(pk)

    for task in tasks:
        if task.kind == Kind.PAGE:
            add([task.page_id])
        elif task.kind == Kind.PAGES:
            add(task.page_ids)
        elif task.kind == Kind.SUBTREE:
            root = Page.objects.filter(pk=task.page_id).values_list("path", flat=True).first()
            if root is not None:
                add(Page.objects.filter(path__startswith=root).values_list("pk", flat=True))
        elif task.kind == Kind.PATHS:
            work.path_roots.append(task.page_id)
        elif task.kind == Kind.REFERENCE:
            model = task.content_type.model_class() if task.content_type else None
            instance = model and model._default_manager.filter(pk=task.object_id).first()
            if instance is not None:
                add(indexer.page_ids_showing(instance))
        elif task.kind == Kind.REMOVED:
            work.removed.add(task.entry_id)
        elif task.kind == Kind.SYNONYMS:
            work.synonyms = True
    return work


def _derive(page_ids, result):
    """Write or remove the entries of these pages as the pages are now, in one transaction."""
    retriever = database_retriever()
    with transaction.atomic():
        _local.removed = set()
        try:
            changed = indexer.write_entries(page_ids)
            removed = _local.removed
        finally:
            _local.removed = None
        for entry in changed:
            retriever.update(entry)
    for backend in server_backends():
        try:
            backend.add_bulk(SearchEntry, changed)
        except Exception:  # the server is down: the database index is still current
            logger.exception("Could not index %d search entries in %r", len(changed), backend)
    result.pages += len(page_ids)
    result.changed.update(entry.pk for entry in changed)
    result.removed.update(removed)


def _derive_slice(page_ids, result):
    """``_derive`` the slice; if it fails, page by page, so one broken page holds up only
    itself. Returns the failures as (page id, error)."""
    try:
        _derive(page_ids, result)
        return []
    except Exception as error:
        if len(page_ids) == 1:
            logger.exception("Could not index page %s", page_ids[0])
            return [(page_ids[0], error)]
    failures = []
    for page_id in page_ids:
        failures.extend(_derive_slice([page_id], result))
    return failures


def _follow_paths(root_ids, result):
    """Entries below these pages whose address changed with a slug (theirs or an
    ancestor's): one query per root when nothing changed, as on most publishes."""
    for root_id in root_ids:
        root = Page.objects.filter(pk=root_id).values_list("path", flat=True).first()
        if root is None:
            continue
        stale = list(
            SearchEntry.objects.filter(page__path__startswith=root)
            .exclude(url_path=F("page__url_path"))
            .select_related("page")
            .only("pk", "url_path", "page__url_path")
        )
        for entry in stale:
            entry.url_path = entry.page.url_path
            entry.updated_at = database_now()
        SearchEntry.objects.bulk_update(stale, ["url_path", "updated_at"], batch_size=500)
        result.changed.update(entry.pk for entry in stale)


def _backoff(attempts):
    return timedelta(seconds=min(3600, 10 * 2 ** min(attempts, 9)))


def _fail(tasks, error):
    """Leave tasks in the outbox with their error, to be tried again after a pause."""
    now = timezone.now()
    message = f"{type(error).__name__}: {error}"[:MAX_ERROR]
    for task in tasks:
        task.attempts += 1
        task.last_error = message
        task.available_at = now + _backoff(task.attempts)
        task.claim, task.claimed_until = "", None
    IndexTask.objects.bulk_create(
        tasks,
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["attempts", "last_error", "available_at", "claim", "claimed_until"],
    )


def _give_back(tasks, token, failures, leftover):
    """The end of a claim: the claimed tasks go (unless a change made them pending again
    meanwhile: that took them from this claim), what is left comes back as tasks. Nothing is
    scheduled here: the caller decides who drains the rest."""
    attempts = {t.page_id: t.attempts for t in tasks if t.kind == Kind.PAGE}
    with transaction.atomic():
        IndexTask.objects.filter(claim=token, pk__in=[t.pk for t in tasks]).delete()
        if leftover:
            _write([pages_task(leftover)])
        for page_id, error in failures:
            task = page_task(page_id)
            task.attempts = attempts.get(page_id, 0)
            _fail([task], error)


def _notify(result):
    """Tell the consumers once; if one fails, the work comes back as tasks with the error."""
    try:
        consumers.notify(result.changed, result.removed)
    except Exception as error:
        logger.exception("A search consumer failed; the entries stay in the outbox")
        page_ids = list(
            SearchEntry.objects.filter(pk__in=result.changed).values_list("page_id", flat=True)
        )
        tasks = [removed_task(pk) for pk in result.removed]
        if page_ids:
            tasks.append(pages_task(page_ids))
        _fail(tasks, error)
        result.failed += len(tasks)


def drain(max_seconds=None, inline_pages=None, slice_pages=SLICE_PAGES):
    """Work off the outbox; returns a ``DrainResult``.

    ``max_seconds``: stop after the slice that passes this time (the rest stays in the
    outbox). ``inline_pages``: if the claimed tasks ask for more pages than this, derive none
    of them here, give them back and say ``handed_off`` (the caller hands them to a
    background drain)."""
    started = time.monotonic()
    result = DrainResult()
    synonyms = False
    while True:
        token, tasks = _claim(CLAIM_BATCH)
        if not tasks:
            # Nothing (available) is left. A task written meanwhile by another thread is not
            # committed yet: its own drain after commit takes it.
            _written_here.clear()
            break
        work = _expand(tasks)
        synonyms = synonyms or work.synonyms
        result.removed.update(work.removed)
        _follow_paths(work.path_roots, result)
        if inline_pages is not None and len(work.page_ids) > inline_pages:
            _give_back(tasks, token, [], work.page_ids)
            result.remaining += len(work.page_ids)
            result.handed_off = True
            break
        failures, position = [], 0
        while position < len(work.page_ids):
            # At least one slice per drain, however small the budget.
            if position and max_seconds is not None and time.monotonic() - started > max_seconds:
                break
            page_slice = work.page_ids[position : position + slice_pages]
            failures.extend(_derive_slice(page_slice, result))
            position += len(page_slice)
        leftover = work.page_ids[position:]
        _give_back(tasks, token, failures, leftover)
        result.failed += len(failures)
        result.remaining += len(leftover)
        if leftover or (max_seconds is not None and time.monotonic() - started > max_seconds):
            break
    if result.changed or result.removed:
        _notify(result)
    if synonyms:
        try:
            consumers.synonyms_changed()
        except Exception as error:
            logger.exception("A search consumer could not reload the synonyms")
            _fail([synonyms_task()], error)
            result.failed += 1
    if result.done or synonyms:
        content_changed("search outbox drained")
    return result


def drain_after_commit():
    """The drain after a change committed. Work above ``SEARCH_OUTBOX_INLINE_PAGES`` pages
    goes to a background drain (if ``SEARCH_OUTBOX_BACKGROUND``; else it is done here).
    Inside a transaction still (a test's, or an outer block that committed a savepoint)
    everything is done here: another connection would not see the change yet."""
    background = setting("SEARCH_OUTBOX_BACKGROUND", True) and not connection.in_atomic_block
    try:
        result = drain(
            inline_pages=setting("SEARCH_OUTBOX_INLINE_PAGES", 50) if background else None
        )
    except Exception:  # the outbox keeps the work; the change itself is committed
        logger.exception("Search outbox: drain after commit failed")
        _written_here.set()  # the next request tries again
        return
    if result.handed_off:
        start_background_drain()


def start_background_drain():
    """Drain in a thread of this process, after the response; one at a time per process. Not
    a daemon: a management command (an import) ends only when its indexing is done."""
    if not _background_lock.acquire(blocking=False):
        return False  # the running one takes the new work too
    thread = threading.Thread(target=_background_drain, name="search-outbox", daemon=False)
    thread.start()
    return True


def _background_drain():
    try:
        while drain(max_seconds=setting("SEARCH_OUTBOX_CYCLE_SECONDS", 60)).remaining:
            pass
    except Exception:
        logger.exception("Search outbox: background drain failed; the work stays queued")
    finally:
        close_old_connections()
        connection.close()
        _background_lock.release()
