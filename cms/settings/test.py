import os
import tempfile

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Benchmarks, load generation and generated data (make bench, make loadtest, the tests'
# search corpus): development and CI only, never in production settings.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
}
# Tests count the queries of rendering pages; tests/test_page_cache.py switches it on.
PAGE_CACHE_ENABLED = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # Tests use an in-memory database unless DATABASE_URL points elsewhere.
    DATABASES["default"] = {  # noqa: F405
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
        "TEST": {"NAME": ":memory:"},
    }
WAGTAILADMIN_BASE_URL = "http://testserver"

# Serve static files straight from the app and project folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests run in one transaction on one connection: the search outbox drains after the commit in
# the same thread (a background thread would not see the test's data).
SEARCH_OUTBOX_BACKGROUND = False
# Tests count queries per request: no look at the outbox "now and then" (only after a task was
# written in this process; tests/search/test_outbox.py switches the periodic look on).
SEARCH_OUTBOX_CHECK_SECONDS = 0

# Each test run maps its vectors from a directory of its own (the in-memory database's tokens
# would otherwise leave matrix files in var/).
SEMANTIC_SEARCH_DIR = Path(tempfile.mkdtemp(prefix="semantic-"))  # noqa: F405
# Publishing in a test does not embed its passages (minutes for the whole corpus on two cores);
# tests/search/semantic_helpers.py switches it on where a test covers the semantic search.
SEMANTIC_SEARCH_AUTO_INDEX = False
# The real model's passage vectors of the tests, keyed by passage text and model
# (tests/search/semantic_helpers.py): .ci/run keeps them outside the checkout so that a fresh
# clone on the same machine does not embed the corpus again.
TEST_EMBEDDINGS_DIR = Path(  # noqa: F405
    os.environ.get("TEST_EMBEDDINGS_DIR") or VAR_DIR / "test-embeddings"  # noqa: F405
)

# Every content change builds the search state again, so that each test's searches see a state
# built from its own data alone (a state patched inside a transaction stays with that
# transaction since issue 15; tests/search/test_state.py switches patching on and checks it).
SEARCH_STATE_PATCHING = False
# A test's request builds the first search state itself (the data of a test is in its
# transaction, which a background thread cannot see); tests/search/test_state.py bounds it.
SEARCH_STATE_REQUEST_WAIT_SECONDS = None
# Each test's states are built from its own data (a state another test wrote to disk would be
# patched from); tests/search/test_state_files.py switches the files on, in a directory of its
# own.
SEARCH_STATE_FILES = False
