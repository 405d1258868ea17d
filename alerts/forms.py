from django import forms
from django.utils.translation import gettext_lazy as _

from agenda.models import EventFormat
from casestudies.models import Theme
from core.geo import SizeClass, State
from core.visitor_forms import AccessibleFormMixin
from search.service import SearchError, SearchRequest

from .digest import public_library
from .models import Subscription


class SubscribeForm(AccessibleFormMixin, forms.Form):
    """The address and one filter: library/search filters for cases, formats for events."""

    email = forms.EmailField(
        label=_("Ihre E-Mail-Adresse"),
        max_length=254,
        error_messages={
            "required": _("Bitte geben Sie Ihre E-Mail-Adresse an."),
            "invalid": _("Das ist keine gültige E-Mail-Adresse (Beispiel: name@beispiel.de)."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    art = forms.ChoiceField(
        label=_("Worüber möchten Sie informiert werden?"),
        choices=Subscription.Kind.choices,
        initial=Subscription.Kind.CASES,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Bitte wählen Sie neue Fälle oder Veranstaltungen.")},
    )
    q = forms.CharField(
        label=_("Suchbegriff (optional)"),
        max_length=200,
        required=False,
        help_text=_("Nur Fälle, die zu diesem Begriff gefunden werden."),
    )
    thema = forms.MultipleChoiceField(label=_("Themen"), required=False)
    land = forms.MultipleChoiceField(label=_("Bundesländer"), choices=State.choices, required=False)
    groesse = forms.MultipleChoiceField(
        label=_("Stadtgröße"), choices=SizeClass.choices, required=False
    )
    format = forms.MultipleChoiceField(
        label=_("Formate"),
        choices=EventFormat.choices,
        required=False,
        help_text=_("Ohne Auswahl: alle Formate."),
    )
    # The case library the form was opened from ("Neue Fälle zu dieser Auswahl" on a library
    # page): its id, not typed by the visitor; one that is unknown or not public is dropped.
    bibliothek = forms.CharField(required=False, widget=forms.HiddenInput)
    consent = forms.BooleanField(
        label=_(
            "Ich möchte diese Benachrichtigung erhalten. Gespeichert werden nur meine Adresse "
            "und der Filter; beim Abmelden wird beides gelöscht."
        ),
        error_messages={"required": _("Bitte bestätigen Sie, dass Sie die E-Mails möchten.")},
    )

    CASE_FILTERS = ("thema", "land", "groesse")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["thema"].choices = list(Theme.objects.values_list("slug", "name"))
        invalid = _("Unbekannter Wert „%(value)s“.")
        for name in ("thema", "land", "groesse", "format"):
            self.fields[name].error_messages["invalid_choice"] = invalid
            self.fields[name].widget = forms.CheckboxSelectMultiple(
                choices=self.fields[name].choices
            )
        asked = self.data.get("bibliothek") if self.is_bound else self.initial.get("bibliothek")
        self.library = public_library(asked) if asked else None

    def clean_bibliothek(self):
        return self.library.pk if self.library is not None else None

    def clean(self):
        data = super().clean()
        if data.get("art") == Subscription.Kind.CASES and data.get("q"):
            try:
                SearchRequest(query=data["q"])
            except SearchError as error:
                self.add_error("q", str(error))
        return data

    def subscription_filters(self):
        data = self.cleaned_data
        if data["art"] == Subscription.Kind.EVENTS:
            return {"format": data.get("format") or []}
        filters = {name: data.get(name) or [] for name in self.CASE_FILTERS}
        if data.get("q"):
            filters["q"] = data["q"].strip()
        if data.get("bibliothek"):
            filters["bibliothek"] = data["bibliothek"]
        return filters
