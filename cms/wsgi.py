import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")

application = get_wsgi_application()

if settings.SEARCH_STATE_WARM_UP:
    # Each worker (gunicorn imports this module after forking) builds its search state in the
    # background from the start, so that no request waits for it (search/engine.py).
    from search.engine import warm_up

    warm_up()
