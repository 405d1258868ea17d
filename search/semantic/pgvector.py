"""Vectors in PostgreSQL with pgvector, where the extension exists.

The migration ``0002_pgvector_column`` adds a column ``embedding vector(384)`` with an HNSW
index (cosine) to ``semantic_passagevector`` when the server offers the extension ``vector``;
elsewhere (SQLite, a PostgreSQL without pgvector) it does nothing and the workers keep the
memory-mapped matrix of store.py. The column is not a model field: Django must not need
pgvector to load, migrate or flush, and SQLite has no such type. The float16 ``vector`` blob
stays the truth the matrix is built from, so either store can be switched on or off.

A search asks the database for the nearest CANDIDATE_ROWS rows by cosine distance (``<=>``,
HNSW) and keeps each entry's best row: bounded work per query, whatever the library's size,
and no copy of the vectors in the workers. The rows come from the database in the query's
transaction, so they are always as fresh as the entries (no token to compare).
"""

import logging

import numpy as np
from django.db import connection, transaction

from .models import PassageVector

logger = logging.getLogger(__name__)

TABLE = "semantic_passagevector"
COLUMN = "embedding"
INDEX = "semantic_passagevector_embedding_hnsw"
# The column has a fixed dimension (an HNSW index needs one): the default model's, e5-small.
# A provider of another dimension keeps the memory-mapped matrix (store.current_index).
DIMENSIONS = 384
# Rows asked for per query: at most three rows per entry, so at least a hundred entries,
# twice the DENSE_LIMIT of the fusion; HNSW's candidate list (ef_search) is as long.
CANDIDATE_ROWS = 300

# The nearest rows of one model; ORDER BY the distance operator itself, so HNSW serves it.
NEAREST = (
    f"SELECT entry_id, 1 - ({COLUMN} <=> %s::vector) FROM {TABLE} "  # noqa: S608
    f"WHERE model_id = %s AND {COLUMN} IS NOT NULL ORDER BY {COLUMN} <=> %s::vector LIMIT %s"
)


def nearest_params(query_vector, model_id, limit):
    text = literal(query_vector)
    return [text, model_id, text, limit]


# What the migration 0002_pgvector_column runs (forwards, backwards) once the extension is in.
ADD_COLUMN = (
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS {COLUMN} vector({DIMENSIONS})",
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} USING hnsw ({COLUMN} vector_cosine_ops)",
)
DROP_COLUMN = (
    f"DROP INDEX IF EXISTS {INDEX}",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS {COLUMN}",
)

# (alias, database name) -> the extension's version as a tuple when the column is there.
_present = {}


def _state():
    """The pgvector version of this database if it has the column, else None (checked once
    per process and database: the column only comes or goes with a migration)."""
    key = (connection.alias, connection.settings_dict["NAME"])
    if key not in _present:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT extversion FROM pg_extension WHERE extname = 'vector' AND EXISTS ("
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s AND column_name = %s)",
                [TABLE, COLUMN],
            )
            row = cursor.fetchone()
        _present[key] = tuple(int(part) for part in row[0].split(".")[:2]) if row else None
    return _present[key]


def column_present():
    """Whether this database has the pgvector column."""
    return connection.vendor == "postgresql" and _state() is not None


def reset():
    _present.clear()


def literal(vector):
    """pgvector's text form of one vector: ``[0.1,0.2,...]``."""
    return "[" + ",".join(f"{value:.7g}" for value in np.asarray(vector, np.float32)) + "]"


def write(ids_and_rows, using=None):
    """Store the embeddings of these PassageVector rows: ``[(row id, float32 vector)]``, one
    statement for all of them (``using``: another connection, e.g. a migration's)."""
    ids_and_rows = list(ids_and_rows)
    if not ids_and_rows:
        return
    with (using or connection).cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} AS row SET {COLUMN} = given.embedding::vector "  # noqa: S608
            "FROM unnest(%s::bigint[], %s::text[]) AS given(id, embedding) "
            "WHERE row.id = given.id",
            [[pk for pk, _row in ids_and_rows], [literal(row) for _pk, row in ids_and_rows]],
        )


class PgVectorIndex:
    """The dense side of one model's vectors in pgvector; the same two questions as the
    memory-mapped VectorMatrix (store.py) answers."""

    name = "pgvector"
    in_process = False  # asked through the calling thread's database connection

    def __init__(self, model_id):
        self.model_id = model_id

    @property
    def size(self):
        """Whether there is any vector of this model (1 or 0, like the matrix's row count
        as a truth value): without one, a search need not embed its query."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {TABLE} "  # noqa: S608
                f"WHERE model_id = %s AND {COLUMN} IS NOT NULL)",
                [self.model_id],
            )
            return int(cursor.fetchone()[0])

    def entry_scores(self, query_vector, limit=CANDIDATE_ROWS):
        """(entry ids, best cosine of each entry's rows) of the entries whose rows are among
        the ``limit`` nearest to the query."""
        # SET LOCAL needs a transaction; atomic() is a savepoint inside a request's one.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL hnsw.ef_search = {max(40, min(limit, 1000))}")
            if _state() >= (0, 8):
                # The model filter could drop rows the index found: search on (0.8 and later;
                # an older pgvector has no such setting and refuses it).
                cursor.execute("SET LOCAL hnsw.iterative_scan = strict_order")
            cursor.execute(NEAREST, nearest_params(query_vector, self.model_id, limit))
            rows = cursor.fetchall()
        if not rows:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        entry_ids = np.array([entry_id for entry_id, _cosine in rows], dtype=np.int64)
        cosines = np.array([cosine for _entry_id, cosine in rows], dtype=np.float32)
        # Nearest first, so an entry's first row is its best one.
        entry_ids, first = np.unique(entry_ids, return_index=True)
        return entry_ids, cosines[first]

    def entry_vector(self, entry_id):
        """The mean of an entry's rows (from the float16 truth, as the matrix has them),
        normalised; None when the entry has no vectors."""
        blobs = PassageVector.objects.filter(entry_id=entry_id, model_id=self.model_id)
        rows = [
            np.frombuffer(bytes(blob), dtype="<f2")
            for blob in blobs.values_list("vector", flat=True)
        ]
        if not rows:
            return None
        mean = np.asarray(rows, dtype=np.float32).mean(axis=0)
        return mean / (np.linalg.norm(mean) or 1.0)
