"""The admin form of a case: drafts may be incomplete, publishing needs the core facts."""

from django.core.exceptions import ValidationError
from django.urls import reverse

from core.forms import SitePageForm

from .completeness import check_values, missing_message

# Lists of the case form whose entries can be created in place: field -> (permission, the
# URL name of the chooser that creates them; casestudies.wagtail_hooks).
CREATE_IN_PLACE = {
    "themes": ("casestudies.add_theme", "wagtailsnippetchoosers_casestudies_theme:choose"),
    "partners": ("casestudies.add_organisation", "organisation_chooser:choose"),
}


class CasePageForm(SitePageForm):
    # Inherit Wagtail's Meta: it carries the formfield_callback that gives every field its
    # admin widget (slug synchronised with the title, image chooser, date picker, tag field).
    # A bare ``class Meta`` dropped it, and the case form fell back to Django's plain widgets.
    class Meta(SitePageForm.Meta):
        # Wagtail's deferred validation: saving a draft skips these required fields.
        defer_required_on_fields = ["summary"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        for name, (permission, url_name) in CREATE_IN_PLACE.items():
            field = self.fields.get(name)
            if field is not None and user is not None and user.has_perm(permission):
                field.widget.chooser_url = reverse(url_name)

    def is_publishing(self):
        """Publishing now or approving in the workflow (the edit view's buttons)."""
        data = self.data
        if data.get("action-publish"):
            return True
        return bool(data.get("action-workflow-action")) and (
            data.get("workflow-action-name") == "approve"
        )

    def clean(self):
        cleaned_data = super().clean()
        if self.is_deferred_validation or not self.is_publishing():
            return cleaned_data
        towns = self.formsets.get("case_towns")
        town_count = 0
        if towns is not None:
            towns.errors  # noqa: B018 - validates the formset (cached) so cleaned_data exists
            for form in towns.forms:
                data = getattr(form, "cleaned_data", None) or {}
                if data.get("town") and not data.get("DELETE"):
                    town_count += 1
        values = {**cleaned_data, "case_towns": town_count}
        result = check_values(values)
        if result.is_complete:
            return cleaned_data
        message = missing_message(result)
        self.add_error(None, ValidationError(message))
        for field, _label in result.missing:
            if field in self.fields and field not in self.errors:
                self.add_error(field, ValidationError(message))
        return cleaned_data
