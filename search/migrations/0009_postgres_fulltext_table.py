"""PostgreSQL: the weighted tsvector of each entry moves from a column of the wide
search_searchentry rows (about 4 kB each with the readable text) into a narrow table of its
own, search_fulltext (entry id, vector), whose vectors are stored out of line
(toast_tuple_target 128, storage external): its rows are about 50 bytes, 100,000 entries fit
in about 640 pages, so the ids of every entry with a common word come from a few hundred
pages instead of one page of the wide table per entry (the README's figures, issue 15).
The vector is read (from the TOAST table) only where a score is computed. SQLite keeps its
FTS5 table; other databases get nothing (see 0003)."""

from django.db import migrations

VECTOR = (
    "setweight(to_tsvector('simple', title), 'A') || "
    "setweight(to_tsvector('simple', key_terms), 'B') || "
    "setweight(to_tsvector('simple', body_terms), 'C')"
)
POSTGRES_FORWARD = [
    "CREATE TABLE search_fulltext (entry_id integer PRIMARY KEY, "
    "search_vector tsvector NOT NULL) WITH (toast_tuple_target = 128)",
    "ALTER TABLE search_fulltext ALTER COLUMN search_vector SET STORAGE EXTERNAL",
    f"INSERT INTO search_fulltext (entry_id, search_vector) "  # noqa: S608
    f"SELECT id, {VECTOR} FROM search_searchentry",
    "CREATE INDEX search_fulltext_vector ON search_fulltext USING gin (search_vector)",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS search_vector",
    # A vector goes with its entry. Triggers, not a foreign key: Django empties the tables
    # of its models with TRUNCATE (flush, transactional tests), which a table referencing
    # search_searchentry would refuse.
    "CREATE FUNCTION search_fulltext_forget() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN DELETE FROM search_fulltext f USING gone WHERE f.entry_id = gone.id; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER search_fulltext_forget AFTER DELETE ON search_searchentry "
    "REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION search_fulltext_forget()",
    "CREATE FUNCTION search_fulltext_clear() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN TRUNCATE search_fulltext; RETURN NULL; END $$",
    "CREATE TRIGGER search_fulltext_clear AFTER TRUNCATE ON search_searchentry "
    "FOR EACH STATEMENT EXECUTE FUNCTION search_fulltext_clear()",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER search_fulltext_clear ON search_searchentry",
    "DROP TRIGGER search_fulltext_forget ON search_searchentry",
    "DROP FUNCTION search_fulltext_clear()",
    "DROP FUNCTION search_fulltext_forget()",
    "ALTER TABLE search_searchentry ADD COLUMN IF NOT EXISTS search_vector tsvector",
    "CREATE INDEX IF NOT EXISTS search_searchentry_vector ON search_searchentry "
    "USING gin (search_vector)",
    "UPDATE search_searchentry SET search_vector = f.search_vector "
    "FROM search_fulltext f WHERE f.entry_id = search_searchentry.id",
    "DROP TABLE search_fulltext",
]


def run(statements_by_vendor):
    def operation(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("search", "0008_search_entry_updated_at_database_clock")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES_FORWARD}), run({"postgresql": POSTGRES_BACKWARD})
        )
    ]
