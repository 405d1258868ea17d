from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405, S105
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Benchmarks, load generation and generated data (make bench, make loadtest, the tests'
# search corpus): development and CI only, never in production settings.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405

# Serve static files straight from the app and project folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
