from django import forms
from django.urls import reverse_lazy


class MunicipalityNameInput(forms.TextInput):
    """The name field of a town in the admin: suggests entries of the municipality
    directory while typing; choosing one fills state, district, population, AGS and
    coordinates of the same form (places/static/places/town-form.js). Works in any form
    whose sibling fields carry the same prefix (the town's edit form, a chooser's create
    form)."""

    def __init__(self, attrs=None):
        attrs = {
            "data-town-directory": reverse_lazy("places_admin:municipality_suggestions"),
            "autocomplete": "off",
            **(attrs or {}),
        }
        super().__init__(attrs)

    @property
    def media(self):
        return forms.Media(js=["places/town-form.js"])
