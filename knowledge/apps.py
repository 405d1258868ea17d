from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Wissen: Leitfäden und Glossar")

    def ready(self):
        # Modules that import models: only once the app registry is ready.
        from . import search_documents  # noqa: F401  (registers the search document builders)
