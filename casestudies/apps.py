from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseStudiesConfig(AppConfig):
    name = "casestudies"
    verbose_name = _("Praxisfälle")

    def ready(self):
        # Modules that import models: only once the app registry is ready.
        from . import (
            frontend_cache,
            search_documents,  # noqa: F401  (registers the case document builder)
            towns,  # noqa: F401  (completes towns when the directory is loaded)
        )

        frontend_cache.register()
