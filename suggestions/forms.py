import time

from django import forms
from django.utils.translation import gettext_lazy as _

from core.text import strip_control
from core.tokens import make_token, read_token
from core.visitor_forms import AccessibleFormMixin

# A person needs a few seconds to fill in the form; a bot posting at once is refused. The
# form carries its own start time, signed, so nothing is stored for the visitor (no cookie).
MIN_SECONDS = 3
MAX_SECONDS = 24 * 60 * 60
STARTED_SALT = "suggestions.started"


def started_token():
    return make_token(int(time.time()), STARTED_SALT)


class SuggestionForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(
        label=_("Titel des Projekts"),
        max_length=200,
        error_messages={"required": _("Bitte nennen Sie das Projekt.")},
        help_text=_("Zum Beispiel: „Leerstandsmanagement in der Altstadt“"),
    )
    town = forms.CharField(
        label=_("Ort"),
        max_length=120,
        error_messages={"required": _("Bitte nennen Sie den Ort des Projekts.")},
        help_text=_("Stadt oder Gemeinde, bei mehreren die federführende"),
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    description = forms.CharField(
        label=_("Kurzbeschreibung"),
        max_length=2000,
        error_messages={"required": _("Bitte beschreiben Sie das Projekt in wenigen Sätzen.")},
        help_text=_(
            "Was war die Ausgangslage, was wurde getan, was hat es gebracht? "
            "Höchstens 2.000 Zeichen."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    website = forms.URLField(
        label=_("Projektwebsite (optional)"),
        required=False,
        max_length=200,
        assume_scheme="https",
        error_messages={"invalid": _("Bitte geben Sie eine vollständige Adresse an.")},
    )
    contact_name = forms.CharField(
        label=_("Ihr Name"),
        max_length=120,
        error_messages={"required": _("Bitte nennen Sie Ihren Namen für Rückfragen.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_email = forms.EmailField(
        label=_("Ihre E-Mail-Adresse"),
        max_length=254,
        error_messages={
            "required": _("Bitte geben Sie Ihre E-Mail-Adresse für Rückfragen an."),
            "invalid": _("Das ist keine gültige E-Mail-Adresse (Beispiel: name@beispiel.de)."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    consent = forms.BooleanField(
        label=_(
            "Ich bin damit einverstanden, dass die Redaktion meine Angaben speichert, um den "
            "Vorschlag zu prüfen und mich bei Rückfragen zu erreichen. Name und E-Mail-Adresse "
            "werden nicht veröffentlicht."
        ),
        error_messages={"required": _("Bitte stimmen Sie der Verarbeitung Ihrer Angaben zu.")},
    )
    # Spam protection without third parties: a field people do not see (bots fill it in)
    # and the signed start time (bots post at once).
    homepage = forms.CharField(required=False, label=_("Bitte dieses Feld leer lassen"))
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["started"].initial = started_token()
        self.fields["homepage"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    def _text(self, name, one_line=False):
        # Control characters are dropped as on every save (core.text); what is left must
        # still fill a required field. Title and town go into an e-mail subject: one line.
        value = strip_control(self.cleaned_data[name])
        value = " ".join(value.split()) if one_line else value.strip()
        if not value and self.fields[name].required:
            raise forms.ValidationError(self.fields[name].error_messages["required"], "required")
        return value

    def clean_title(self):
        return self._text("title", one_line=True)

    def clean_town(self):
        return self._text("town", one_line=True)

    def clean_description(self):
        return self._text("description")

    def is_trap_filled(self):
        """People do not see the trap field; a bot filling in every field does."""
        return bool(self.data.get("homepage"))

    def sent_too_fast(self):
        """Sent within seconds of opening, without a valid start, or a day later. A person
        who hits this keeps what they typed and sends again (with a fresh start time)."""
        started = read_token(self.data.get("started", ""), STARTED_SALT)
        if not isinstance(started, int):
            return True
        return not MIN_SECONDS <= time.time() - started <= MAX_SECONDS

    def restart(self):
        """A fresh start time for the form shown again."""
        self.data = self.data.copy()
        self.data["started"] = started_token()
