from django.apps import AppConfig
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Grundlagen")

    def ready(self):
        # Modules that import models: only once the app registry is ready.
        from .cache import connect_signals
        from .text import strip_control_on_save

        connect_signals()
        pre_save.connect(strip_control_on_save, dispatch_uid="core_strip_control_on_save")
