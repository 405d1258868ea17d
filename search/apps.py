from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Suche")

    def ready(self):
        from . import checks, signals  # noqa: F401 (checks registers the outbox check)

        signals.connect()
