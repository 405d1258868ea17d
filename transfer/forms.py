from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from casestudies.importer import file_format

from .jobs import max_upload_bytes


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Datei"),
        help_text=_("CSV (UTF-8), Excel (.xlsx) oder JSON, eine Zeile bzw. ein Objekt je Fall."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.json"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        kind = file_format(upload.name)
        if kind is None:
            raise forms.ValidationError(
                _("„%s“ ist keine CSV-, Excel- (.xlsx) oder JSON-Datei.") % upload.name
            )
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                _("Die Datei ist %(size)s groß; erlaubt sind höchstens %(max)s.")
                % {"size": filesizeformat(upload.size), "max": filesizeformat(max_upload_bytes())}
            )
        head = upload.read(4)
        upload.seek(0)
        if kind == "xlsx" and head != b"PK\x03\x04":
            raise forms.ValidationError(_("Die Datei ist keine Excel-Arbeitsmappe (.xlsx)."))
        if kind != "xlsx" and head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
            raise forms.ValidationError(
                _("Die Datei ist eine Excel- oder ZIP-Datei, keine Textdatei (%s).") % kind.upper()
            )
        return upload
