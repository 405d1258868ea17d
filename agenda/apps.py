from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    name = "agenda"
    verbose_name = _("Veranstaltungen")

    def ready(self):
        # Modules that import models: only once the app registry is ready.
        from . import search_documents  # noqa: F401  (registers the search document builder)
