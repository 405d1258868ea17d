"""The full-text index of the analysed terms on the database backends: an FTS5 table on
SQLite, a weighted tsvector column with a GIN index on PostgreSQL (see search/retrieval.py).
It is not part of Django's model state: other databases simply don't get one."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "title, key_terms, body_terms, tokenize = 'unicode61 remove_diacritics 0')",
    "INSERT INTO search_fts (rowid, title, key_terms, body_terms) "
    "SELECT id, title, key_terms, body_terms FROM search_searchentry",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS search_fts"]
POSTGRES_FORWARD = [
    "ALTER TABLE search_searchentry ADD COLUMN IF NOT EXISTS search_vector tsvector",
    "CREATE INDEX IF NOT EXISTS search_searchentry_vector ON search_searchentry "
    "USING gin (search_vector)",
    "UPDATE search_searchentry SET search_vector = "
    "setweight(to_tsvector('simple', title), 'A') || "
    "setweight(to_tsvector('simple', key_terms), 'B') || "
    "setweight(to_tsvector('simple', body_terms), 'C')",
]
POSTGRES_BACKWARD = ["ALTER TABLE search_searchentry DROP COLUMN IF EXISTS search_vector"]


def run(statements_by_vendor):
    def operation(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("search", "0002_seed_synonyms")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
