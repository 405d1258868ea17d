"""The demo content for the browser tests, loaded once per session and copied back before each
test.

Browser tests are transactional (the live server reads the database from another thread, on
PostgreSQL over another connection), so pytest-django empties every table after each of them.
Loading the demo content again for each test runs the whole importer; copying the rows
back is one bulk insert per table (the timings are in the README, "Geschwindigkeit und
Caching"). Each test still starts from the same committed state and may write what it
likes: the next test starts from the copy again.
"""

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

# Tables the database fills itself: SQLite's full-text table of Wagtail's search index gets its
# rows from triggers on wagtailsearch_indexentry, so copying them as well would insert each
# row twice.
FILLED_BY_TRIGGERS = {"wagtailsearch_indexentry_fts"}


def _tables():
    """Every table of an installed model (what Django's flush empties), in a fixed order."""
    return sorted(connection.introspection.django_table_names(only_existing=True))


def _quote(name):
    return connection.ops.quote_name(name)


def _forget_cached_rows():
    """In-process caches that hold rows or ids of the database replaced underneath them."""
    from search import engine

    ContentType.objects.clear_cache()
    for cache in caches.all():
        cache.clear()
    engine.reset_snapshot()


class DemoDatabase:
    """The rows of every table after ``load_demo`` on an empty database."""

    def __init__(self):
        self.rows = None  # table -> (columns, rows)

    def load(self):
        """Start from an empty database as a transactional test does (flush, with Wagtail's
        base rows recreated), load the demo content, and keep a copy of every row."""
        from wagtail.coreutils import get_supported_content_language_variant
        from wagtail.models import Collection, Locale, Page

        call_command("flush", interactive=False, verbosity=0)
        locale = Locale.objects.create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
        Collection.add_root(name="Root")
        call_command("load_demo", verbosity=0)
        self.rows = {}
        with connection.cursor() as cursor:
            for table in _tables():
                if table in FILLED_BY_TRIGGERS:
                    continue
                cursor.execute(f"SELECT * FROM {_quote(table)}")  # noqa: S608 (table names)
                columns = [column[0] for column in cursor.description]
                self.rows[table] = (columns, cursor.fetchall())
        _forget_cached_rows()

    def restore(self):
        """Replace the content of every table by the copy. Foreign keys are checked at the
        commit (Django creates them deferrable), so the order of the tables does not matter."""
        if self.rows is None:
            self.load()
            return
        tables = _tables()
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in connection.ops.sql_flush(no_style(), tables):
                cursor.execute(sql)
            for table, (columns, rows) in self.rows.items():
                if not rows:
                    continue
                names = ", ".join(_quote(column) for column in columns)
                values = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {_quote(table)} ({names}) VALUES ({values})",  # noqa: S608
                    rows,
                )
            # PostgreSQL: the id sequences continue after the highest copied id.
            models = [
                model
                for model in apps.get_models(include_auto_created=True)
                if model._meta.db_table in tables and not model._meta.proxy
            ]
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
        # The search's full-text table (SQLite's search_fts, PostgreSQL's search_fulltext) is
        # no model table: flush leaves stale rows in one and empties the other. It follows the
        # copied entries.
        from search import retrieval  # as in _forget_cached_rows: imported once apps are ready

        retrieval.database_retriever().rebuild()
        _forget_cached_rows()
