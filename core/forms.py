"""The admin forms every page type and every snippet starts from."""

import json

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm

from .text import CONTROL_CHARACTERS, strip_control, strip_control_in_json

SLUG_INVALID = _(
    "Die Adresse darf nur Kleinbuchstaben ohne Umlaute, Ziffern und Bindestriche enthalten, "
    "zum Beispiel „mitfahrbaenke-tangerhuette“."
)
# Escaped control characters inside a JSON value ("\u0000"): Draftail's content state and
# other JSON inputs carry what was pasted in this form.
_ESCAPED_CONTROL = r"\u00"


def clean_value(value):
    """A submitted value without control characters. A JSON value (a rich text field's
    content state) is cleaned inside its strings, where a pasted NUL arrives escaped."""
    if not isinstance(value, str):
        return value
    value = strip_control(value)
    if _ESCAPED_CONTROL in value and value[:1] in "[{":
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        cleaned = strip_control_in_json(parsed)
        if cleaned != parsed:
            return json.dumps(cleaned)
    return value


def without_control_characters(data):
    """Submitted form data with control characters removed from every value (tab, line feed
    and carriage return stay); the data itself is left as it was."""
    if isinstance(data, QueryDict):
        cleaned = data.copy()
        for key, values in data.lists():
            cleaned.setlist(key, [clean_value(value) for value in values])
        return cleaned
    if hasattr(data, "items"):
        return {key: clean_value(value) for key, value in data.items()}
    return data


def has_control_characters(data):
    values = data.lists() if isinstance(data, QueryDict) else ((k, [v]) for k, v in data.items())
    return any(
        isinstance(value, str) and (CONTROL_CHARACTERS.search(value) or _ESCAPED_CONTROL in value)
        for _key, items in values
        for value in items
    )


class ControlCharacterCleaningMixin:
    """Strips control characters from the submitted data before any field or inline form
    sees it. PostgreSQL cannot store NUL in text or JSON at all: a NUL pasted into a title
    failed with a 500 when the revision was written, before the save-time cleaning of the
    model (core.text) ran. Cleaning here also lets validation see the text as it will be
    stored (a title of only control characters is empty, so required)."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and has_control_characters(data):
            data = without_control_characters(data)
        super().__init__(data, *args, **kwargs)


class SiteModelForm(ControlCharacterCleaningMixin, WagtailAdminModelForm):
    """Base form of the site's snippets and reference data (``base_form_class``)."""


class SitePageForm(ControlCharacterCleaningMixin, WagtailAdminPageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        slug = self.fields.get("slug")
        if slug is not None:
            slug.error_messages = {**slug.error_messages, "invalid": SLUG_INVALID}
