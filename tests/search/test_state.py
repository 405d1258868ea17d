"""The per-worker search state follows publishing by patching in what changed (found at
once, counted right, gone when unpublished, whatever the app hosts' clocks say), a state
seen inside a transaction that rolls back leaves nothing behind, and its caches stay
bounded."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models.functions import Now
from django.test import override_settings
from django.utils import timezone

from casestudies.models import Status
from search import engine
from search.engine import SearchRequest, search
from search.models import SearchEntry


@pytest.fixture(autouse=True)
def _fresh_state(settings):
    settings.SEARCH_STATE_PATCHING = True
    engine.reset_snapshot()
    yield
    engine.reset_snapshot()


def _publish_summary(page, summary, capture):
    """Publish, and run what the commit would start: the search outbox's drain."""
    page.summary = summary
    with capture(execute=True):
        page.save_revision().publish()


@pytest.mark.django_db
def test_a_published_change_is_found_and_counted_without_a_full_build(
    demo_site, django_capture_on_commit_callbacks
):
    before = search(SearchRequest(query="Kuckucksuhrwerkstatt"))
    assert before.count == 0
    state = engine.snapshot()
    entries = state.size
    case = demo_site.case("gomadingen-dorfladen-genossenschaft")
    _publish_summary(
        case, "Eine Kuckucksuhrwerkstatt im Dorfladen.", django_capture_on_commit_callbacks
    )

    after = search(SearchRequest(query="Kuckucksuhrwerkstatt"))
    assert [hit.page.slug for hit in after.results] == ["gomadingen-dorfladen-genossenschaft"]
    assert after.count == 1
    themes = {value.value: value.count for value in after.facets["thema"]}
    assert themes == dict.fromkeys(case.themes.values_list("slug", flat=True), 1)
    patched = engine.snapshot()
    # The same entries, the changed ones replaced (patched in: their old positions are
    # dead; a state built again has none).
    assert patched is not state and patched.size == entries
    assert entries < len(patched.alive) < entries + 50

    case.refresh_from_db()
    _publish_summary(case, "Ein Dorfladen ohne Uhren.", django_capture_on_commit_callbacks)
    assert search(SearchRequest(query="Kuckucksuhrwerkstatt")).count == 0


@pytest.mark.django_db
def test_an_unpublished_case_leaves_results_and_counts(demo_site):
    browse = search(SearchRequest(page_size=50))
    case = demo_site.case("gomadingen-dorfladen-genossenschaft")
    assert "gomadingen-dorfladen-genossenschaft" in {
        hit.page.slug for hit in search(SearchRequest("Gomadingen")).results
    }
    case.unpublish()
    assert search(SearchRequest(page_size=50)).count == browse.count - 1
    assert "gomadingen-dorfladen-genossenschaft" not in {
        hit.page.slug for hit in search(SearchRequest("Gomadingen")).results
    }


@pytest.mark.django_db
@override_settings(SEARCH_CACHE_SIZE=2)
def test_related_cases_are_cached_in_a_bounded_cache(demo_site):
    from casestudies.models import CasePage

    pages = list(CasePage.objects.live().order_by("pk")[:5])
    for page in pages:
        assert engine.related(page.pk)
    state = engine.snapshot()
    assert len(state.related_cache) == 2
    # The cached answer is the computed one.
    assert [r.hit.page.id for r in engine.related(pages[-1].pk)] == [
        r.hit.page.id for r in engine.related(pages[-1].pk)
    ]


class _Rollback(Exception):
    pass


def _other_status(case):
    return next(value for value in Status.values if value != case.status)


def _found_with_status(status):
    """Slugs of the cases found for "Gomadingen" with this status: the facet comes from the
    worker's state, not from the full-text index."""
    request = SearchRequest(query="Gomadingen", filters={"status": [status]})
    return {hit.page.slug for hit in search(request).results}


@pytest.mark.django_db
def test_a_search_inside_a_rolled_back_transaction_leaves_nothing_behind(
    demo_site, django_capture_on_commit_callbacks
):
    case = demo_site.case("gomadingen-dorfladen-genossenschaft")
    other = demo_site.case("osterburg-buergerrat-klimaschutz")
    status = _other_status(case)
    # The case's entry was last written well before the overlap with which a state reads
    # changed entries again (as in a library whose cases were published long ago).
    SearchEntry.objects.filter(page_id=case.pk).update(updated_at=Now() - timedelta(hours=1))
    assert case.slug not in _found_with_status(status)

    with pytest.raises(_Rollback), transaction.atomic():
        case.status = status
        _publish_summary(
            case, "Eine Kuckucksuhrwerkstatt im Dorfladen.", django_capture_on_commit_callbacks
        )
        # The transaction sees its own change ...
        assert case.slug in _found_with_status(status)
        assert search(SearchRequest(query="Kuckucksuhrwerkstatt")).count == 1
        raise _Rollback
    # ... and after its rollback nobody does, also not after a later change that is patched
    # in (the state of the rolled-back transaction is no base for it).
    other.refresh_from_db()
    _publish_summary(other, "Ein Bürgerrat mit Glasfaser.", django_capture_on_commit_callbacks)
    assert search(SearchRequest(query="Glasfaser")).count >= 1
    assert case.slug not in _found_with_status(status)
    case.refresh_from_db()
    assert case.slug in _found_with_status(case.status)
    assert search(SearchRequest(query="Kuckucksuhrwerkstatt")).count == 0


@pytest.mark.django_db
def test_a_change_written_by_a_host_with_a_slow_clock_is_found(
    demo_site, django_capture_on_commit_callbacks, monkeypatch
):
    """Another app host whose clock is an hour behind publishes: the entries carry the
    database's time, so this worker's state still reads the change."""
    case = demo_site.case("gomadingen-dorfladen-genossenschaft")
    status = _other_status(case)
    assert case.slug not in _found_with_status(status)  # the state is built
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() - timedelta(hours=1))
    case.status = status
    _publish_summary(
        case, "Eine Kuckucksuhrwerkstatt im Dorfladen.", django_capture_on_commit_callbacks
    )
    assert case.slug in _found_with_status(status)
    # Patched in, not built again.
    state = engine.snapshot()
    assert len(state.alive) > state.size
