from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseStudiesConfig(AppConfig):
    name = "casestudies"
    verbose_name = _("Praxisfälle")

    def ready(self):
        from . import search_documents  # noqa: F401  (registers the case document builder)
