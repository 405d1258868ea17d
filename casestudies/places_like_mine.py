"""Fälle aus Orten wie meinem" (/orte-wie-meiner/): a visitor describes their town (one of
the library's towns or any municipality of the directory) and gets the cases from towns of
its size, state and themes, ranked by the search service (``places_like``)."""

from django import forms
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from core.geo import SizeClass, State, size_class_for
from places import directory
from places.models import Municipality
from search.service import places_like

from .maps import case_locations
from .models import Theme, Town


class PlacesLikeMineForm(forms.Form):
    """A visitor describes their town: by name (a town of the library), or by population and
    state; optionally the themes they care about."""

    ort = forms.CharField(
        label=_("Ihr Ort"),
        required=False,
        max_length=160,
        widget=forms.TextInput(
            attrs={
                "data-municipality-autocomplete": reverse_lazy("municipalities"),
                "aria-describedby": "id_ort-help",
            }
        ),
        help_text=_("Jede Gemeinde in Deutschland – oder Einwohnerzahl und Bundesland angeben."),
    )
    # Set by a chosen suggestion or a "Meinten Sie" link: the directory entry itself.
    ags = forms.RegexField(regex=r"^\d{8}$", required=False, widget=forms.HiddenInput)
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
        data["town"] = data["municipality"] = None
        data["alternatives"] = []
        if data.get("ags"):
            data["municipality"] = Municipality.objects.filter(ags=data["ags"]).first()
        elif name:
            self._resolve_name(name, data)
        elif not data.get("einwohner"):
            raise forms.ValidationError(
                _("Bitte einen Ort oder die Einwohnerzahl Ihres Ortes angeben.")
            )
        place = data["town"] or data["municipality"]
        if place is not None:
            if place.population is None and not data.get("einwohner"):
                self.add_error("einwohner", _("Für diesen Ort ist keine Einwohnerzahl bekannt."))
            data["einwohner"] = data.get("einwohner") or place.population
            data["land"] = data.get("land") or place.state
        return data

    def _resolve_name(self, name, data):
        """A town of the library by its exact name, else the best match in the directory of
        all municipalities (spelling tolerant); the other matches are offered as
        alternatives."""
        towns = list(Town.objects.filter(name__iexact=name))
        if data.get("land"):
            towns = [t for t in towns if t.state == data["land"]]
        if len(towns) > 1:
            raise forms.ValidationError(
                _("Es gibt mehrere Orte „%(name)s“ – bitte das Bundesland wählen."),
                params={"name": name},
            )
        if towns:
            data["town"] = towns[0]
            return
        found = directory.find(name, state=data.get("land") or None, limit=6)
        if found:
            data["municipality"], data["alternatives"] = found[0], found[1:]
        elif not data.get("einwohner"):
            self.add_error(
                "ort",
                _(
                    "„%(name)s“ ist keine Gemeinde, die wir kennen. Bitte die Schreibweise "
                    "prüfen oder Einwohnerzahl und Bundesland angeben."
                )
                % {"name": name},
            )


@require_safe
def places_like_mine(request):
    """ "Fälle aus Orten wie meinem": cases ranked by fit of size class, state and themes."""
    form = PlacesLikeMineForm(request.GET or None)
    recommendations = None
    size_class = place = None
    alternatives = []
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        themes = [theme.slug for theme in data["thema"]]
        place = data["town"] or data["municipality"]
        point = None
        if place is not None and place.latitude is not None and place.longitude is not None:
            point = (float(place.latitude), float(place.longitude))
        recommendations = places_like(
            data["einwohner"],
            data["land"] or None,
            themes,
            point=point,
            locations=case_locations() if point else None,
        )
        size_class = SizeClass(size_class_for(data["einwohner"])).label
        alternatives = data["alternatives"]
    response = TemplateResponse(
        request,
        "search/places_like_mine.html",
        {
            "form": form,
            "recommendations": recommendations,
            "size_class": size_class,
            "place": place,
            "alternatives": alternatives,
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
    add_never_cache_headers(response)
    return response
