"""An import indexes each page once, at its end (casestudies/search_batch.py): modelsearch's
index updates go through the site's task backend, which holds them inside
``deferred_search_updates()`` and runs them at once outside it."""

import pytest
from django_tasks.signals import task_finished

from casestudies.search_batch import deferred_search_updates
from search.models import IndexTask
from search.service import batched_indexing

pytestmark = pytest.mark.django_db


@pytest.fixture
def index_updates():
    """The pages modelsearch indexed, as (app label, model name, pk)."""
    updates = []

    def finished(sender, task_result, **kwargs):
        if task_result.task.name == "insert_or_update_object_task":
            updates.append(tuple(task_result.args))

    task_finished.connect(finished)
    yield updates
    task_finished.disconnect(finished)


def test_saves_inside_an_import_index_the_page_once_at_the_end(demo_site, index_updates):
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    other = demo_site.library.get_children().live().exclude(pk=case.pk).first().specific
    with deferred_search_updates():
        for _ in range(3):
            case.save()
        other.save()
        assert index_updates == []
    assert sorted(index_updates) == sorted(
        [("casestudies", "casepage", str(case.pk)), ("casestudies", "casepage", str(other.pk))]
    )


def test_outside_an_import_each_save_indexes_at_once(demo_site, index_updates):
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    case.save()
    assert index_updates == [("casestudies", "casepage", str(case.pk))]
    case.save()
    assert len(index_updates) == 2


def test_an_error_in_the_import_indexes_nothing(demo_site, index_updates):
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    with pytest.raises(RuntimeError), deferred_search_updates():
        case.save()
        raise RuntimeError("import failed")
    assert index_updates == []


def test_publishing_inside_a_batch_queues_the_search_entry_once_at_the_end(demo_site):
    """The search service's own batch (search.service.batched_indexing, which
    deferred_search_updates opens): a page published three times is queued once, after the
    block; nothing is queued while it runs."""
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    IndexTask.objects.all().delete()
    with deferred_search_updates():
        for _ in range(3):
            case.save_revision().publish()
        assert not IndexTask.objects.filter(key=f"page:{case.pk}").exists()
    assert set(IndexTask.objects.values_list("key", flat=True)) >= {
        f"page:{case.pk}",
        f"paths:{case.pk}",
    }


def test_an_error_in_a_batch_queues_no_search_entry(demo_site):
    case = demo_site.case("osterburg-buergerrat-klimaschutz")
    IndexTask.objects.all().delete()
    with pytest.raises(RuntimeError), batched_indexing():
        case.save_revision().publish()
        raise RuntimeError("import failed")
    assert not IndexTask.objects.filter(key=f"page:{case.pk}").exists()
    case.save_revision().publish()  # outside a batch: at once
    assert IndexTask.objects.filter(key=f"page:{case.pk}").exists()
