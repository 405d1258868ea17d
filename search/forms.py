from django import forms
from django.utils.translation import gettext_lazy as _

from casestudies.models import Theme, Town
from core.geo import State


class PlacesLikeMineForm(forms.Form):
    """A visitor describes their town: by name (a town of the library), or by population and
    state; optionally the themes they care about."""

    ort = forms.CharField(
        label=_("Ihr Ort"),
        required=False,
        max_length=120,
        help_text=_("Ein Ort aus dem Praxisatlas – oder Einwohnerzahl und Bundesland angeben."),
    )
    einwohner = forms.IntegerField(
        label=_("Einwohnerzahl"), required=False, min_value=1, max_value=5_000_000
    )
    land = forms.ChoiceField(
        label=_("Bundesland"), required=False, choices=[("", _("– beliebig –")), *State.choices]
    )
    thema = forms.ModelMultipleChoiceField(
        label=_("Themen (optional)"),
        required=False,
        queryset=Theme.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self):
        data = super().clean()
        name = (data.get("ort") or "").strip()
        data["town"] = None
        if name:
            towns = list(Town.objects.filter(name__iexact=name))
            if data.get("land"):
                towns = [t for t in towns if t.state == data["land"]]
            if len(towns) == 1:
                data["town"] = towns[0]
            elif len(towns) > 1:
                raise forms.ValidationError(
                    _("Es gibt mehrere Orte „%(name)s“ – bitte das Bundesland wählen."),
                    params={"name": name},
                )
            elif not data.get("einwohner"):
                self.add_error(
                    "ort",
                    _(
                        "„%(name)s“ ist noch nicht im Praxisatlas. Bitte Einwohnerzahl und "
                        "Bundesland angeben."
                    )
                    % {"name": name},
                )
        elif not data.get("einwohner"):
            raise forms.ValidationError(
                _("Bitte einen Ort oder die Einwohnerzahl Ihres Ortes angeben.")
            )
        town = data["town"]
        if town is not None:
            if town.population is None and not data.get("einwohner"):
                self.add_error("einwohner", _("Für diesen Ort ist keine Einwohnerzahl bekannt."))
            data["einwohner"] = data.get("einwohner") or town.population
            data["land"] = data.get("land") or town.state
        return data
