from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Grundlagen")

    def ready(self):
        from django.db.models.signals import pre_save

        from .cache import connect_signals
        from .text import strip_control_on_save

        connect_signals()
        pre_save.connect(strip_control_on_save, dispatch_uid="core_strip_control_on_save")
