"""The indexing outbox (search/outbox.py): tasks written in the transaction of the change,
drained after the commit in bulk, retried on failure, bounded in the editor's request;
``rebuild_search`` without downtime."""

import time
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from casestudies.models import CasePage, CaseSectionPage
from search import consumers, indexer, outbox
from search.models import IndexTask, SearchEntry

from .semantic_helpers import cached_embeddings

pytestmark = pytest.mark.django_db

CASE = "osterburg-buergerrat-klimaschutz"


class RecordingConsumer:
    """A derived index that remembers what it was told; ``failures`` calls fail first."""

    name = "test-recorder"

    def __init__(self, failures=0):
        self.failures = failures
        self.indexed, self.removed, self.calls = [], [], 0

    def index(self, entry_ids):
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionError("engine unreachable")
        self.indexed.append(list(entry_ids))

    def remove(self, entry_ids):
        self.removed.append(list(entry_ids))

    def rebuild(self, progress=None):
        total = SearchEntry.objects.count()
        self.indexed.append(list(SearchEntry.objects.values_list("pk", flat=True)))
        if progress:
            progress(total, total)


@pytest.fixture
def recorder():
    consumer = consumers.register(RecordingConsumer())
    yield consumer
    consumers.unregister(consumer.name)


def search(client, query="", **filters):
    response = client.get("/api/search/", {"q": query, "page_size": 50, **filters})
    assert response.status_code == 200, response.content
    return response.json()


def titles(client, query):
    return [result["title"] for result in search(client, query)["results"]]


def publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def test_a_publish_writes_its_task_in_the_same_transaction(demo_site):
    case = demo_site.case(CASE)
    with pytest.raises(RuntimeError), transaction.atomic():
        case.title = "Osterburg: zurückgerollt"
        publish(case)
        assert IndexTask.objects.filter(key=f"page:{case.pk}").exists()
        raise RuntimeError("the editor's transaction fails")
    assert not IndexTask.objects.filter(key=f"page:{case.pk}").exists()
    assert SearchEntry.objects.get(page=case).heading != "Osterburg: zurückgerollt"

    case = demo_site.case(CASE)  # as the database has it after the rollback
    case.title = "Osterburg: Klimarat gelost"
    publish(case)
    assert IndexTask.objects.filter(key=f"page:{case.pk}").exists()


def test_the_drain_after_commit_writes_the_entry_and_tells_the_consumers_once(
    client, demo_site, recorder, django_capture_on_commit_callbacks
):
    case = demo_site.case(CASE)
    entry_id = SearchEntry.objects.get(page=case).pk
    case.title = "Osterburg: Klimarat gelost"
    with django_capture_on_commit_callbacks(execute=True):
        publish(case)

    entry = SearchEntry.objects.get(page=case)
    assert entry.pk == entry_id and entry.heading == "Osterburg: Klimarat gelost"
    assert recorder.indexed == [[entry_id]]
    assert not IndexTask.objects.exists()
    assert titles(client, "Klimarat gelost")[0] == "Osterburg: Klimarat gelost"


def test_repeated_changes_to_one_theme_collapse_into_one_task(demo_site):
    theme = demo_site.case(CASE).themes.first()
    for name in ("Klima", "Klima und Energie", "Klima, Energie"):
        theme.name = name
        theme.save()
    assert IndexTask.objects.filter(kind=IndexTask.Kind.REFERENCE).count() == 1


def test_a_view_restriction_removes_the_entries_before_any_drain(client, demo_site, recorder):
    section = CaseSectionPage.objects.live().first()
    below = set(section.get_descendants(inclusive=True).values_list("pk", flat=True))
    entry_ids = set(SearchEntry.objects.filter(page_id__in=below).values_list("pk", flat=True))
    assert entry_ids

    PageViewRestriction.objects.create(page=section, restriction_type=PageViewRestriction.LOGIN)

    # No commit, no drain: the entries are gone in the change's own transaction ...
    assert not SearchEntry.objects.filter(page_id__in=below).exists()
    # ... and the consumers will hear of each removal from the outbox.
    removed = IndexTask.objects.filter(kind=IndexTask.Kind.REMOVED)
    assert set(removed.values_list("entry_id", flat=True)) == entry_ids
    outbox.drain()
    assert sorted(entry_ids) == sorted(pk for call in recorder.removed for pk in call)


def test_unpublishing_removes_the_entry_at_once(demo_site):
    case = demo_site.case(CASE)
    case.unpublish()
    assert not SearchEntry.objects.filter(page=case).exists()


def test_a_failing_consumer_keeps_the_work_and_a_later_drain_retries_it(
    client, demo_site, django_capture_on_commit_callbacks
):
    flaky = consumers.register(RecordingConsumer(failures=1))
    try:
        theme = demo_site.case(CASE).themes.first()
        entry_ids = set(
            SearchEntry.objects.filter(themes__contains=theme.slug).values_list("pk", flat=True)
        )
        theme.name = "Beteiligung, Demokratie und Losverfahren"
        with django_capture_on_commit_callbacks(execute=True):
            theme.save()

        # The entries are written; the engine could not take them: the work stays queued.
        assert "Beteiligung, Demokratie und Losverfahren" in SearchEntry.objects.get(
            page=demo_site.case(CASE)
        ).theme_names.split("|")
        failed = IndexTask.objects.get()
        assert failed.attempts == 1 and "engine unreachable" in failed.last_error
        assert failed.available_at > timezone.now()  # retried after a pause
        assert flaky.indexed == []

        IndexTask.objects.update(available_at=timezone.now())  # the pause is over
        outbox.drain()

        assert not IndexTask.objects.exists()
        assert set(flaky.indexed[-1]) == entry_ids
    finally:
        consumers.unregister(flaky.name)


@pytest.fixture
def broken_builder():
    """Building the entry of one case fails (a bug in a builder, a broken body)."""
    original = indexer.builder_for(CasePage(title="x"))
    broken = {}

    def builder(page):
        if page.pk == broken.get("page_id"):
            raise ValueError("body cannot be read")
        return original(page)

    prefetch = indexer.prefetch_for(CasePage)
    indexer.register(CasePage, prefetch=prefetch)(builder)
    yield broken
    indexer.register(CasePage, prefetch=prefetch)(original)


def test_a_page_that_fails_to_index_stays_in_the_outbox_and_holds_up_no_other(
    demo_site, broken_builder, django_capture_on_commit_callbacks
):
    case = demo_site.case(CASE)
    broken_builder["page_id"] = case.pk
    theme = case.themes.first()
    others = list(
        SearchEntry.objects.filter(themes__contains=theme.slug)
        .exclude(page=case)
        .values_list("page_id", flat=True)
    )
    assert others
    theme.name = "Beteiligung neu"
    with django_capture_on_commit_callbacks(execute=True):
        theme.save()

    for page_id in others:
        assert "Beteiligung neu" in SearchEntry.objects.get(page_id=page_id).theme_names
    assert "Beteiligung neu" not in SearchEntry.objects.get(page=case).theme_names
    task = IndexTask.objects.get()
    assert task.key == f"page:{case.pk}" and task.attempts == 1
    assert "body cannot be read" in task.last_error

    broken_builder.clear()  # fixed
    IndexTask.objects.update(available_at=timezone.now())
    result = outbox.drain()
    assert result.pages == 1 and not IndexTask.objects.exists()
    assert "Beteiligung neu" in SearchEntry.objects.get(page=case).theme_names


def test_a_large_change_is_handed_off_and_drained_in_bounded_slices(demo_site):
    theme = demo_site.case(CASE).themes.first()
    pages = len(indexer.page_ids_showing(theme))
    entries = SearchEntry.objects.filter(themes__contains=theme.slug).count()
    assert pages > 6
    theme.name = "Beteiligung in Scheiben"
    theme.save()

    # The drain after the editor's commit does none of it when it is too large ...
    result = outbox.drain(inline_pages=5)
    assert result.handed_off and result.pages == 0 and result.remaining == pages
    assert IndexTask.objects.get().kind == IndexTask.Kind.PAGES
    # ... a bounded drain does one slice and leaves the rest ...
    result = outbox.drain(max_seconds=0, slice_pages=4)
    assert result.pages == 4 and result.remaining == pages - 4
    assert len(IndexTask.objects.get().page_ids) == pages - 4
    # ... and the next drain finishes.
    result = outbox.drain()
    assert result.pages == pages - 4 and not IndexTask.objects.exists()
    renamed = SearchEntry.objects.filter(theme_names__contains="Beteiligung in Scheiben")
    assert renamed.count() == entries


def test_a_request_drains_what_is_left(client, demo_site):
    case = demo_site.case(CASE)
    case.title = "Osterburg: Klimarat im Nachgang"
    publish(case)
    assert IndexTask.objects.exists()  # no commit in a test: nothing drained yet

    assert titles(client, "Klimarat im Nachgang")[0] == "Osterburg: Klimarat im Nachgang"
    assert not IndexTask.objects.exists()


def test_drain_search_outbox_command(demo_site):
    theme = demo_site.case(CASE).themes.first()
    theme.name = "Beteiligung per Kommando"
    theme.save()
    out = StringIO()
    call_command("drain_search_outbox", stdout=out)
    assert "Seiten indiziert, 0 fehlgeschlagen" in out.getvalue()
    assert not IndexTask.objects.exists()
    assert SearchEntry.objects.filter(theme_names__contains="Beteiligung per Kommando").exists()


def test_the_admin_shows_pending_and_failed_tasks(admin_client, demo_site):
    html = admin_client.get("/admin/suchanalyse/").content.decode()
    assert "Indizierung: nichts wartet" in html

    theme = demo_site.case(CASE).themes.first()
    theme.save()
    # Failed twice; its next try is due in a while (so this request does not drain it).
    IndexTask.objects.update(
        attempts=2,
        last_error="ConnectionError: engine unreachable",
        available_at=timezone.now() + timedelta(minutes=10),
    )

    html = admin_client.get("/admin/suchanalyse/").content.decode()
    assert "Indizierung: 1 Auftrag wartet" in html and "davon 1 fehlgeschlagen" in html
    assert "engine unreachable" in html


def test_a_system_check_warns_of_old_pending_tasks(demo_site):
    demo_site.case(CASE).themes.first().save()
    assert not [w for w in run_checks(databases=["default"]) if w.id == "search.W001"]
    IndexTask.objects.update(created_at=timezone.now() - timedelta(hours=1))
    warnings = [w for w in run_checks(databases=["default"]) if w.id == "search.W001"]
    assert len(warnings) == 1 and "1 search indexing tasks" in warnings[0].msg


def test_rebuild_answers_from_the_old_entries_until_it_switches(client, demo_site):
    case = demo_site.case(CASE)
    entry_id = SearchEntry.objects.get(page=case).pk
    # Changed without signals, as a new analyzer would change every entry.
    CasePage.objects.filter(pk=case.pk).update(title="Osterburg: Quokkaklimarat")
    gone = SearchEntry.objects.exclude(page=case).filter(kind="case").first()
    CasePage.objects.filter(pk=gone.page_id).update(live=False)
    seen = {}

    def during_build():
        seen["old"] = titles(client, "Bürgerrat Osterburg")
        seen["new"] = search(client, "Quokkaklimarat")["count"]
        seen["gone"] = SearchEntry.objects.filter(pk=gone.pk).exists()

    progress = []
    count = indexer.rebuild(
        progress=lambda done, total: progress.append((done, total)), during_build=during_build
    )

    assert case.title in seen["old"] and seen["new"] == 0 and seen["gone"]
    assert progress[-1] == (count, count) and count == SearchEntry.objects.count()
    entry = SearchEntry.objects.get(page=case)
    assert entry.pk == entry_id and entry.heading == "Osterburg: Quokkaklimarat"
    assert titles(client, "Quokkaklimarat")[0] == "Osterburg: Quokkaklimarat"
    assert not SearchEntry.objects.filter(pk=gone.pk).exists()


def test_rebuild_search_command_reports_its_rate_and_rebuilds_the_consumers(demo_site, recorder):
    out = StringIO()
    # The vectors of the corpus from the tests' cache (the model embeds what it lacks).
    with cached_embeddings():
        call_command("rebuild_search", "--no-progress", stdout=out)
    assert "Einträge/s" in out.getvalue()
    assert recorder.indexed and len(recorder.indexed[-1]) == SearchEntry.objects.count()


def test_entries_are_written_with_queries_per_slice_not_per_page(demo_site):
    theme = demo_site.case(CASE).themes.first()
    case_ids = list(
        CasePage.objects.live().filter(themes=theme).order_by("pk").values_list("pk", flat=True)
    )
    assert len(case_ids) >= 40
    with CaptureQueriesContext(connection) as ten:
        indexer.write_entries(case_ids[:10])
    with CaptureQueriesContext(connection) as forty:
        indexer.write_entries(case_ids[:40])
    # Thirty more pages at five relations each would be 150 more queries; only the batches
    # of the bulk update grow.
    assert len(forty) <= len(ten) + 6, (
        len(ten),
        len(forty),
        Counter(q["sql"][:90] for q in forty.captured_queries).most_common(8),
    )


def test_work_left_by_another_process_is_found_now_and_then(client, demo_site, settings):
    outbox.drain()  # whatever earlier tests left: this process has written nothing since
    case = demo_site.case(CASE)
    CasePage.objects.filter(pk=case.pk).update(title="Osterburg: Quokkafremdprozess")
    # Written by another process (that ended before its drain): not through ``enqueue``.
    outbox.pages_task([case.pk]).save()
    assert not outbox.written_here()

    assert search(client, "Quokkafremdprozess")["count"] == 0  # not looked at: no query
    assert IndexTask.objects.exists()

    settings.SEARCH_OUTBOX_CHECK_SECONDS = 0.001
    time.sleep(0.01)
    assert titles(client, "Quokkafremdprozess")[0] == "Osterburg: Quokkafremdprozess"
    assert not IndexTask.objects.exists()


def test_moving_a_case_below_a_restricted_section_removes_its_entry_at_once(demo_site):
    case = demo_site.case(CASE)
    section = demo_site.library.add_child(
        instance=CaseSectionPage(title="Intern", slug="intern", live=True)
    )
    PageViewRestriction.objects.create(page=section, restriction_type=PageViewRestriction.LOGIN)
    assert SearchEntry.objects.filter(page=case).exists()

    case.move(section, pos="last-child")

    assert not SearchEntry.objects.filter(page=case).exists()  # before any drain
    outbox.drain()
    assert not SearchEntry.objects.filter(page=case).exists()
