"""Vector storage: the database holds the truth, each host a memory-mapped matrix (or, on a
PostgreSQL with pgvector, the database also answers the nearest-neighbour query: pgvector.py;
``current_index`` picks one and logs which).

``PassageVector`` rows (float16 blobs: half the size, and e5's cosines agree to about 1e-3)
are the truth on every database. A token in ``core.models.ContentGeneration`` (scope
``semantic-vectors``) is replaced in the transaction that changes any vector. Each host keeps
the vectors as one matrix file in ``SEMANTIC_SEARCH_DIR`` named after that token, written once
and memory-mapped read-only by all workers of the host, so the operating system holds one
copy in its page cache. A worker compares the token on each search (one primary-key lookup);
a host that has no file for the current token builds it from the database (reading rows,
never embedding anything).

The file holds float32, not float16: numpy multiplies float16 without BLAS, seven times
slower (30,000 rows: 33 ms against 240 ms on the busy test machine). Rows per entry are
bounded (ROWS_PER_ENTRY), so the file has at most 3 x 384 x 4 bytes per entry: 44 MB per host
at 10,000 cases.
"""

import logging
import os
import threading
import time
import uuid
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from core.models import ContentGeneration

from . import pgvector
from .models import PassageVector

logger = logging.getLogger(__name__)

GENERATION_SCOPE = "semantic-vectors"
ROWS_PER_ENTRY = 3


def read_token():
    """The vectors' token as the database has it now ("" before the first vectors)."""
    # Plain SQL, as core.cache.read_generation: it runs on every case page (related cases)
    # and every search, and building the ORM query cost several times the lookup.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT token FROM {ContentGeneration._meta.db_table} WHERE scope = %s",  # noqa: S608
            [GENERATION_SCOPE],
        )
        row = cursor.fetchone()
    return (row[0] if row else None) or ""


def vectors_changed():
    """A new token: every worker on every host maps the new matrix on its next search. Call it
    in the transaction of the change."""
    ContentGeneration.objects.update_or_create(
        scope=GENERATION_SCOPE, defaults={"token": uuid.uuid4().hex}
    )


def save_vectors(rows_by_entry, model_id, digests):
    """Replace the vectors of these entries: ``{entry id: float32 array (rows, dim)}``; in
    the pgvector column too where there is one (deleted rows take theirs with them)."""
    with transaction.atomic():
        PassageVector.objects.filter(entry_id__in=list(rows_by_entry)).delete()
        pairs = [
            (
                PassageVector(
                    entry_id=entry_id,
                    position=position,
                    model_id=model_id,
                    digest=digests[entry_id],
                    vector=row.astype("<f2").tobytes(),
                ),
                row,
            )
            for entry_id, rows in rows_by_entry.items()
            for position, row in enumerate(rows)
        ]
        PassageVector.objects.bulk_create(vector for vector, _row in pairs)
        if pgvector_fits(pairs[0][1].shape[0] if pairs else 0):
            # PostgreSQL returns the new rows' ids from bulk_create.
            pgvector.write((vector.pk, row) for vector, row in pairs)
        vectors_changed()


def pgvector_fits(dimensions):
    """Whether vectors of this size go to (and are searched in) the pgvector column."""
    return dimensions == pgvector.DIMENSIONS and pgvector.column_present()


def delete_vectors(entry_ids=None, keep_model=None):
    """Forget the vectors of these entries (all when None), or those of other models."""
    with transaction.atomic():
        rows = PassageVector.objects.all()
        if entry_ids is not None:
            rows = rows.filter(entry_id__in=list(entry_ids))
        if keep_model is not None:
            rows = rows.exclude(model_id=keep_model)
        deleted, _by_model = rows.delete()
        if deleted:
            vectors_changed()
    return deleted


def stored_digests(entry_ids):
    return dict(
        PassageVector.objects.filter(entry_id__in=list(entry_ids), position=0).values_list(
            "entry_id", "digest"
        )
    )


class VectorMatrix:
    """The vectors of one token: ``entry_ids`` (one per row, rows of an entry adjacent) and
    the float16 ``matrix`` (memory-mapped)."""

    name = "matrix"
    in_process = True  # numpy over a mapped file: may run in another thread

    def __init__(self, token, entry_ids, matrix):
        self.token = token
        self.entry_ids = entry_ids
        self.matrix = matrix
        self.size = len(entry_ids)
        if self.size:
            self.starts = np.r_[0, np.flatnonzero(np.diff(entry_ids)) + 1]
            self.entries = entry_ids[self.starts]
        else:
            self.starts = self.entries = np.empty(0, dtype=np.int64)

    def entry_scores(self, query_vector):
        """(entry ids, best cosine of each entry's rows)."""
        if not self.size:
            return self.entries, np.empty(0, dtype=np.float32)
        scores = self.matrix @ np.asarray(query_vector, dtype=np.float32)
        return self.entries, np.maximum.reduceat(scores, self.starts)

    def entry_vector(self, entry_id):
        """The mean of an entry's rows, normalised; None when the entry has no vectors."""
        return entry_vector(self, entry_id)


# What a worker answers with before its first matrix is ready: no vectors, words only.
EMPTY = VectorMatrix(None, np.empty(0, dtype=np.int64), None)


def matrix_dir():
    return Path(getattr(settings, "SEMANTIC_SEARCH_DIR", None) or settings.VAR_DIR / "semantic")


def _build_files(token, model_id, directory):
    """Write the matrix of this token from the database; returns the two paths."""
    rows = (
        PassageVector.objects.filter(model_id=model_id)
        .order_by("entry_id", "position")
        .values_list("entry_id", "vector")
    )
    ids, blobs = [], []
    for entry_id, blob in rows.iterator(chunk_size=2000):
        ids.append(entry_id)
        blobs.append(bytes(blob))
    dim = len(blobs[0]) // 2 if blobs else 0
    matrix = np.frombuffer(b"".join(blobs), dtype="<f2").reshape(len(blobs), dim)
    matrix = matrix.astype(np.float32)
    directory.mkdir(parents=True, exist_ok=True)
    base = directory / f"{model_id}-{token}"
    for suffix, array in (("-ids.npy", np.array(ids, dtype=np.int64)), (".npy", matrix)):
        temporary = Path(f"{base}{suffix}.{os.getpid()}.{threading.get_ident()}.tmp")
        with temporary.open("wb") as handle:
            np.save(handle, array)
        os.replace(temporary, f"{base}{suffix}")  # atomic: a reader sees all or nothing
    for stale in directory.glob(f"{model_id}-*.npy"):
        if not stale.name.startswith(f"{model_id}-{token}"):
            stale.unlink(missing_ok=True)  # mapped copies stay readable until unmapped
    _remove_abandoned(directory, model_id)
    return Path(f"{base}-ids.npy"), Path(f"{base}.npy")


# A file being written is renamed within seconds; one older than this was left by a process
# that died while writing (at 100,000 cases a matrix is 450 MB).
ABANDONED_AFTER_SECONDS = 3600


def _remove_abandoned(directory, model_id):
    cutoff = time.time() - ABANDONED_AFTER_SECONDS
    for partial in directory.glob(f"{model_id}-*.tmp"):
        try:
            if partial.stat().st_mtime < cutoff:
                partial.unlink()
        except FileNotFoundError:
            pass  # another worker of the host removed it first


_current = {}
_lock = threading.Lock()
_announced = set()


def current_index(model_id, dimensions):
    """Where this worker finds the nearest vectors: pgvector on a PostgreSQL that has the
    column (and vectors of its size), else the memory-mapped matrix of the current token.
    The first choice per process and store is logged."""
    if pgvector_fits(dimensions):
        index = pgvector.PgVectorIndex(model_id)
    else:
        index = current_matrix(model_id)
    if index.name not in _announced:
        _announced.add(index.name)
        logger.info("Semantic search: %s", describe(index.name))
    return index


def describe(name):
    """One line on the active vector store (logs, rebuild_search, bench_search)."""
    if name == pgvector.PgVectorIndex.name:
        return "vectors in PostgreSQL/pgvector (HNSW, cosine, bounded)"
    return "vectors in a memory-mapped matrix per host (database without pgvector)"


def active_store(dimensions):
    """The name of the store current_index would use for vectors of this size."""
    return pgvector.PgVectorIndex.name if pgvector_fits(dimensions) else VectorMatrix.name


def current_matrix(model_id):
    """The matrix for the current token, mapped once per worker and token.

    When this host has no file for the token yet, the worker that notices builds it in the
    background (building reads every row: 0.4 s at 10,000 cases, 4-5 s at 100,000, too long
    for a request) and keeps answering with the previous vectors meanwhile, or with none
    (words only) when it has none yet. What the previous vectors still name is only a
    candidate: the search state decides what is public. A file that exists is mapped in the
    request (milliseconds); so is one asked for inside a transaction, whose changes another
    connection could not read."""
    token = read_token()
    matrix = _current.get(model_id)
    if matrix is not None and matrix.token == token:
        return matrix
    if not connection.in_atomic_block and not _matrix_paths(token, model_id)[1].exists():
        _start_background_load(token, model_id)
        return matrix if matrix is not None else EMPTY
    with _lock:
        matrix = _current.get(model_id)
        if matrix is None or matrix.token != token:
            matrix = _current[model_id] = _load(token, model_id)
    return matrix


_background = {}


def _start_background_load(token, model_id):
    running = _background.get(model_id)
    if running is not None and running.is_alive():
        return

    def run():
        try:
            loaded = _load(token, model_id)
            with _lock:
                _current[model_id] = loaded
        except Exception:
            logger.exception("Semantic search: building matrix %s failed", token)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="semantic-matrix", daemon=True)
    _background[model_id] = thread
    thread.start()


def wait_for_background_load(timeout=None):
    """Wait for a matrix being built in the background, if any (tests, commands)."""
    for thread in list(_background.values()):
        thread.join(timeout)


def _matrix_paths(token, model_id):
    directory = matrix_dir()
    return directory / f"{model_id}-{token}-ids.npy", directory / f"{model_id}-{token}.npy"


def _load(token, model_id):
    ids_path, matrix_path = _matrix_paths(token, model_id)
    if not (ids_path.exists() and matrix_path.exists()):
        ids_path, matrix_path = _build_files(token, model_id, matrix_dir())
        logger.info("Semantic search: matrix %s built from the database", matrix_path.name)
    entry_ids = np.load(ids_path)
    matrix = np.load(matrix_path, mmap_mode="r") if len(entry_ids) else None
    return VectorMatrix(token, entry_ids, matrix)


def reset_matrix():
    wait_for_background_load()
    with _lock:
        _current.clear()
        _announced.clear()
    pgvector.reset()


def entry_vector(matrix, entry_id):
    """The mean of an entry's rows, normalised; None when the entry has no vectors."""
    if not matrix.size:
        return None
    at = np.searchsorted(matrix.entries, entry_id)
    if at >= len(matrix.entries) or matrix.entries[at] != entry_id:
        return None
    end = matrix.starts[at + 1] if at + 1 < len(matrix.starts) else matrix.size
    mean = np.asarray(matrix.matrix[matrix.starts[at] : end], dtype=np.float32).mean(axis=0)
    return mean / (np.linalg.norm(mean) or 1.0)
