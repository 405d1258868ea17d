"""The pgvector column and its HNSW index, on a PostgreSQL that offers the extension ``vector``
(search/semantic/pgvector.py). Elsewhere nothing happens and the memory-mapped matrix serves:
SQLite, a PostgreSQL without pgvector, or a role that may not create the extension (logged).
Vectors already stored are copied into the new column, so no entry has to be embedded again.

After installing pgvector on a running site: ``manage.py migrate semantic 0001`` and
``manage.py migrate`` (the README's section on the semantic search)."""

import logging

import numpy as np
from django.db import DatabaseError, migrations, transaction

from search.semantic.pgvector import ADD_COLUMN, DIMENSIONS, DROP_COLUMN, write

logger = logging.getLogger(__name__)


def _extension_ready(cursor, alias):
    cursor.execute("SELECT installed_version FROM pg_available_extensions WHERE name = 'vector'")
    row = cursor.fetchone()
    if row is None:
        return False
    if row[0] is not None:
        return True
    try:
        with transaction.atomic(using=alias):  # a savepoint: the migration goes on without
            cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except DatabaseError as error:
        logger.warning("pgvector is available but cannot be created here (%s)", error)
        return False
    return True


def add_column(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if not _extension_ready(cursor, connection.alias):
            return
        for statement in ADD_COLUMN:
            cursor.execute(statement)
    # Copy the vectors stored so far (float16 blobs) of the column's size.
    PassageVector = apps.get_model("semantic", "PassageVector")
    batch = []
    for pk, blob in PassageVector.objects.values_list("pk", "vector").iterator(chunk_size=2000):
        row = np.frombuffer(bytes(blob), dtype="<f2")
        if row.shape[0] == DIMENSIONS:
            batch.append((pk, row))
        if len(batch) == 2000:
            write(batch, using=connection)
            batch = []
    write(batch, using=connection)


def drop_column(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for statement in DROP_COLUMN:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("semantic", "0001_passage_vectors"),
    ]

    operations = [migrations.RunPython(add_column, drop_column, elidable=False)]
