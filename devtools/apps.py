from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevtoolsConfig(AppConfig):
    """Benchmarks, load generation and generated data: installed in development and CI
    (cms/settings/dev.py, cms/settings/test.py), never in production."""

    name = "devtools"
    verbose_name = _("Entwicklungswerkzeuge")
