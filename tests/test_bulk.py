"""Bulk creation of generated cases (devtools.bulk, ``generate_cases``): the pages are as
real as imported ones for visitors, editors and the search."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from casestudies.models import CasePage
from devtools.bulk import BulkCaseCreator
from devtools.fake import generate_records
from search import engine
from search.engine import SearchRequest
from search.models import SearchEntry
from search.semantic.models import PassageVector

SEED = 4711
COUNT = 30


@pytest.fixture
def bulk_cases(demo_site):
    records = generate_records(COUNT, seed=SEED)
    result = BulkCaseCreator(library=demo_site.library).run(records)
    assert len(result.created) == COUNT
    engine.reset_snapshot()
    yield records
    engine.reset_snapshot()


def bulk_pages(records):
    return list(CasePage.objects.filter(slug__in=[r["slug"] for r in records]).order_by("path"))


@pytest.mark.django_db
def test_pages_are_live_children_of_the_library_with_a_sound_tree(demo_site, bulk_cases):
    pages = bulk_pages(bulk_cases)
    assert len(pages) == COUNT
    library = demo_site.library
    library.refresh_from_db()
    assert library.numchild == library.get_children().count()
    for page in pages:
        assert page.live and not page.has_unpublished_changes
        assert page.first_published_at is not None
        assert page.get_parent().pk == library.pk
        assert page.url_path == f"{library.url_path}{page.slug}/"
    assert all(problems == [] for problems in Page.find_problems())


@pytest.mark.django_db
def test_pages_have_their_facts(bulk_cases):
    record = bulk_cases[0]
    page = CasePage.objects.get(slug=record["slug"])
    assert page.title == record["title"]
    assert [town.name for town in page.towns] == [t["name"] for t in record["towns"]]
    assert sorted(theme.name for theme in page.themes.all()) == sorted(record["themes"])
    assert sorted(tag.name for tag in page.tags.all()) == sorted(record["tags"])
    assert sorted(p.name for p in page.funding_programmes.all()) == sorted(record["funding"])
    assert [o.name for o in page.partners.all()] == record["partners"]
    assert [link.contact.function for link in page.case_contacts.all()] == ["Stadtentwicklung"]
    assert page.period_start_year is not None


@pytest.mark.django_db
def test_visitors_see_the_pages_in_the_library_and_on_their_own(client, demo_site, bulk_cases):
    pages = bulk_pages(bulk_cases)
    response = client.get(demo_site.library.url)
    assert response.status_code == 200
    content = response.content.decode()
    count = demo_site.library.cases().count()
    assert f"{count} Fälle" in content
    # Newest first (the search service's "neu": ties by the newer entry): the bulk pages are
    # the newest, so the first page of the library shows them.
    shown = [page for page in pages if page.url in content]
    assert shown
    first = shown[0]

    response = client.get(first.url)
    assert response.status_code == 200
    assert first.title in response.content.decode()


@pytest.mark.django_db
def test_editors_can_open_a_page_without_a_revision(client, django_user_model, bulk_cases):
    page = bulk_pages(bulk_cases)[0]
    client.force_login(django_user_model.objects.create_superuser("redaktion", "r@ex.org", "pw"))
    response = client.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200
    assert page.title in response.content.decode()


@pytest.mark.django_db
def test_search_finds_the_pages_by_town(bulk_cases):
    pages = bulk_pages(bulk_cases)
    assert SearchEntry.objects.filter(page__in=pages).count() == COUNT
    page = pages[0]
    town = page.towns[0].name
    found = {}
    number = 1
    while True:
        response = engine.search(SearchRequest(query=town, page=number, page_size=50))
        found |= {hit.page.slug: hit for hit in response.results}
        if number >= response.num_pages:
            break
        number += 1
    assert page.slug in found
    assert found[page.slug].towns == [town.name for town in page.towns]


@pytest.mark.django_db
def test_running_again_creates_nothing(demo_site, bulk_cases):
    pages_before = Page.objects.count()
    result = BulkCaseCreator(library=demo_site.library).run(bulk_cases)
    assert result.created == []
    assert len(result.skipped) == COUNT
    assert Page.objects.count() == pages_before


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_number_of_cases(demo_site):
    def queries(count, seed):
        with CaptureQueriesContext(connection) as captured:
            BulkCaseCreator(library=demo_site.library).run(generate_records(count, seed=seed))
        return len(captured.captured_queries)

    few, many = queries(5, 101), queries(40, 102)
    assert many <= few + 3, (few, many)


@pytest.mark.django_db
def test_generate_cases_command(demo_site, capsys):
    call_command("generate_cases", "12", "--seed", "77", "--no-progress")
    assert CasePage.objects.filter(slug__startswith="fall-77-").count() == 12
    assert "12 Fälle angelegt" in capsys.readouterr().out


@pytest.mark.django_db
def test_bench_search_reports_latencies(demo_site, capsys):
    call_command(
        "bench_search",
        "--cases",
        "0",
        "--rounds",
        "1",
        "--queries",
        "4",
        "--no-progress",
        "--no-workers",
        "--vector-sample",
        "2",
    )
    out = capsys.readouterr().out
    assert "Median" in out and "p95" in out
    assert "/api/search/?q=Dorfladen" in out and " 200 " in out
    assert "Ziel p95 jeder Art <" in out  # 100 ms on SQLite, 150 ms on PostgreSQL
    # The semantic search is part of it: two entries embedded, the others borrow their rows.
    entries = SearchEntry.objects.count()
    assert "Vektoren: 2 Fälle vom Modell eingebettet" in out
    assert f"Vektoren: {entries - 2} weitere Einträge mit geliehenen Vektoren" in out
    assert PassageVector.objects.values("entry_id").distinct().count() == entries
    assert "Semantische Suche im Worker: erste Suche" in out and "Davon Anfrage einbetten" in out
