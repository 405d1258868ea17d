from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SemanticSearchConfig(AppConfig):
    name = "search.semantic"
    label = "semantic"
    verbose_name = _("Semantische Suche")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here: the consumer reads models, which exist only once the apps are loaded.
        from search import consumers

        from . import checks, index  # noqa: F401  (registers the system check)

        consumers.register(index.VectorConsumer())
