"""The memory-mapped matrix of a host (search/semantic/store.py) follows a change of the
vectors without making a search wait: the worker that notices builds the new file in the
background and answers with the previous vectors meanwhile."""

import os
import time

import numpy as np
import pytest
from wagtail.models import Page

from search.models import SearchEntry
from search.semantic import store

pytestmark = pytest.mark.django_db(transaction=True)

MODEL = "test-model"


def new_entry(parent, number):
    page = parent.add_child(instance=Page(title=f"Seite {number}", slug=f"seite-{number}"))
    return SearchEntry.objects.create(page=page, url_path=page.url_path, heading=page.title)


def give_vectors(entry):
    vector = np.zeros((1, 384), dtype=np.float32)
    vector[0, entry.pk % 384] = 1.0
    store.save_vectors({entry.pk: vector}, MODEL, {entry.pk: f"digest-{entry.pk}"})
    store.vectors_changed()


@pytest.fixture
def matrix_dir(settings, tmp_path, demo_database):
    demo_database.restore()  # a page tree (an earlier transactional test emptied the tables)
    settings.SEMANTIC_SEARCH_DIR = tmp_path
    store.reset_matrix()
    yield tmp_path
    store.reset_matrix()


def test_a_new_matrix_is_built_in_the_background_while_the_previous_one_answers(matrix_dir):
    root = Page.get_first_root_node()
    first, second = new_entry(root, 1), new_entry(root, 2)
    give_vectors(first)
    store.current_matrix(MODEL)
    store.wait_for_background_load()
    loaded = store.current_matrix(MODEL)
    assert list(loaded.entries) == [first.pk]

    give_vectors(second)
    answering = store.current_matrix(MODEL)
    assert answering is loaded  # the previous vectors answer while the new file is written
    store.wait_for_background_load()
    current = store.current_matrix(MODEL)
    assert current.token == store.read_token() != loaded.token
    assert sorted(current.entries) == sorted([first.pk, second.pk])
    assert (matrix_dir / f"{MODEL}-{current.token}.npy").exists()
    # The file of the old token is gone from the host's directory.
    assert not (matrix_dir / f"{MODEL}-{loaded.token}.npy").exists()


def test_a_worker_without_a_matrix_searches_on_words_until_the_first_one_is_built(matrix_dir):
    entry = new_entry(Page.get_first_root_node(), 1)
    give_vectors(entry)
    first = store.current_matrix(MODEL)
    # No file for this token on the host: the request does not wait for it to be built.
    assert first is store.EMPTY
    assert first.size == 0
    assert first.entry_scores(np.ones(384, dtype=np.float32))[0].size == 0
    store.wait_for_background_load()
    built = store.current_matrix(MODEL)
    assert list(built.entries) == [entry.pk]

    # Another worker of the same host finds the file and maps it in the request.
    store.reset_matrix()
    mapped = store.current_matrix(MODEL)
    assert mapped is not store.EMPTY
    assert list(mapped.entries) == [entry.pk]


def test_a_file_left_half_written_by_a_dead_process_is_removed(matrix_dir):
    abandoned = matrix_dir / f"{MODEL}-oldtoken.npy.4242.1.tmp"
    being_written = matrix_dir / f"{MODEL}-newtoken.npy.4243.1.tmp"
    for path in (abandoned, being_written):
        path.write_bytes(b"partial")
    an_hour_ago = time.time() - store.ABANDONED_AFTER_SECONDS - 60
    os.utime(abandoned, (an_hour_ago, an_hour_ago))
    give_vectors(new_entry(Page.get_first_root_node(), 1))
    store.current_matrix(MODEL)
    store.wait_for_background_load()
    assert not abandoned.exists()
    assert being_written.exists()  # another process may still be writing it
