from django.contrib.auth.models import Permission
from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.log_actions import LogFormatter

from casestudies.importer import LOG_ACTION

from . import urls


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("import-export/", include(urls, namespace="transfer"))]


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("transfer.import_cases")


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return ImportMenuItem(
        _("Import/Export"),
        reverse_lazy("transfer:index"),
        name="import-export",
        icon_name="upload",
        order=260,
    )


@hooks.register("register_permissions")
def register_permissions():
    return Permission.objects.filter(content_type__app_label="transfer", codename="import_cases")


@hooks.register("register_log_actions")
def register_log_actions(actions):
    @actions.register_action(LOG_ACTION)
    class ImportedFormatter(LogFormatter):
        label = _("Importiert")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            if data.get("action") == "new":
                message = _("Mit dem Import aus „%(file)s“ angelegt")
            else:
                message = _("Mit dem Import aus „%(file)s“ geändert")
            message = message % {"file": data.get("file") or _("einer Datei")}
            if data.get("fields"):
                message += " (" + ", ".join(data["fields"]) + ")"
            if not data.get("published", True):
                message += _(", als Entwurf")
            return message
