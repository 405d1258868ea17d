from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Suche")

    def ready(self):
        # Modules that import models: only once the app registry is ready.
        from . import checks, consumers, signals  # noqa: F401 (checks registers the outbox check)
        from .engines.server import EngineConsumer

        signals.connect()
        # Indexes nothing unless SEARCH_ENGINE is set (read at each call: tests change it).
        consumers.register(EngineConsumer())
