"""The admin form every page type starts from."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

SLUG_INVALID = _(
    "Die Adresse darf nur Kleinbuchstaben ohne Umlaute, Ziffern und Bindestriche enthalten, "
    "zum Beispiel „mitfahrbaenke-tangerhuette“."
)


class SitePageForm(WagtailAdminPageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        slug = self.fields.get("slug")
        if slug is not None:
            slug.error_messages = {**slug.error_messages, "invalid": SLUG_INVALID}
