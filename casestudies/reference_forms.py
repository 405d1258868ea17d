"""Admin forms of themes and organisations that refuse near-duplicates.

An editor who adds "Klima-Schutz" while "Klimaschutz" exists (as a name or another name of
a theme) gets the existing entry offered instead of a second one: in the chooser of the
case form it can be taken over with one click; in the snippet and reference-data forms the
error names it. The comparison is the import's (casestudies.matching), so the admin and the
import agree on what a duplicate is.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import SiteModelForm

from .matching import similar_organisations, similar_themes
from .models import Organisation, Theme


class NearDuplicateForm(SiteModelForm):
    """Refuses a name that matches an existing entry (``find_similar``)."""

    duplicate_message = ""

    def find_similar(self, name):
        raise NotImplementedError

    def clean(self):
        cleaned_data = super().clean()
        name = cleaned_data.get("name")
        if name:
            self.similar = self.find_similar(name)
            if self.similar:
                names = ", ".join(f"„{entry.name}“" for entry in self.similar)
                self.add_error("name", self.duplicate_message % {"existing": names})
        return cleaned_data

    def validate_unique(self):
        # An exact duplicate is already reported with the existing entry (clean); Django's
        # "already exists" would only repeat it.
        if not getattr(self, "similar", None):
            super().validate_unique()


class ThemeForm(NearDuplicateForm):
    duplicate_message = _(
        "Dieses Thema gibt es schon: %(existing)s. Bitte das vorhandene verwenden oder "
        "ihm eine andere Bezeichnung geben."
    )

    def find_similar(self, name):
        return similar_themes(name, exclude_pk=self.instance.pk)


class OrganisationForm(NearDuplicateForm):
    duplicate_message = _("Diese Organisation gibt es schon: %(existing)s.")

    def find_similar(self, name):
        return similar_organisations(name, exclude_pk=self.instance.pk)


class TakeOverExistingMixin:
    """For the creation tab of a chooser: when the name is a near-duplicate, the form shows
    the existing entries to choose from; choosing one and sending the form again returns it
    (the chooser puts it into the case form) and nothing is created."""

    existing_label = ""
    existing_help = _(
        "Auswählen und noch einmal auf „anlegen“ klicken: Der vorhandene Eintrag wird in den "
        "Fall übernommen, nichts wird neu angelegt."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["existing"] = forms.ModelChoiceField(
            queryset=self._meta.model.objects.all(),
            required=False,
            widget=forms.HiddenInput,
            label=self.existing_label,
        )

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self.errors and getattr(self, "similar", None):
            field = self.fields["existing"]
            field.widget = forms.RadioSelect()
            field.empty_label = None
            # The bound field copied the help text when it was made (Django's BoundField).
            field.help_text = self["existing"].help_text = self.existing_help
            field.queryset = field.queryset.filter(pk__in=[entry.pk for entry in self.similar])

    def clean(self):
        existing = self.cleaned_data.get("existing")
        if existing is not None:
            self.similar = []
            return self.cleaned_data
        return super().clean()

    def is_valid(self):
        return self.is_bound and (self.chosen_existing() is not None or super().is_valid())

    def chosen_existing(self):
        return self.cleaned_data.get("existing") if hasattr(self, "cleaned_data") else None

    def save(self, commit=True):
        existing = self.chosen_existing()
        if existing is not None:
            return existing
        return super().save(commit=commit)


class ThemeCreationForm(TakeOverExistingMixin, ThemeForm):
    existing_label = _("Vorhandenes Thema übernehmen")

    class Meta:
        model = Theme
        fields = ["name", "summary"]


class OrganisationCreationForm(TakeOverExistingMixin, OrganisationForm):
    existing_label = _("Vorhandene Organisation übernehmen")

    class Meta:
        model = Organisation
        fields = ["name", "short_name", "kind", "website"]
