"""A read-only view of the SQLite full-text index's terms (FTS5 ``fts5vocab``, one row per
term with the number of entries that have it), so the search reads document frequencies and
the spelling-correction vocabulary from the database instead of counting every entry's terms
in every worker. PostgreSQL reads the same from ``ts_stat`` (search/vocabulary.py)."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts_vocab USING fts5vocab('search_fts', 'row')"
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS search_fts_vocab"]


def run(statements_by_vendor):
    def operation(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("search", "0006_index_outbox_and_staged_entries")]

    operations = [
        migrations.RunPython(run({"sqlite": SQLITE_FORWARD}), run({"sqlite": SQLITE_BACKWARD}))
    ]
