from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.admin.views.pages.revisions import RevisionsCompareView, RevisionsRevertView
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import ChooseResultsView as SnippetChooseResultsView
from wagtail.snippets.views.chooser import ChooseView as SnippetChooseView
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import SnippetViewSet
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register
from wagtail_modeladmin.views import IndexView as ModelAdminIndexView

from core.csvsafe import FormulaSafeExportMixin
from core.forms import SiteModelForm
from places.widgets import MunicipalityNameInput

from . import privacy
from .models import CasePage, Contact, FundingProgramme, Organisation, Theme, Town
from .reference_forms import (
    OrganisationCreationForm,
    OrganisationForm,
    ThemeCreationForm,
    ThemeForm,
)


class SafeModelAdminIndexView(FormulaSafeExportMixin, ModelAdminIndexView):
    pass


class SafeSnippetIndexView(FormulaSafeExportMixin, SnippetIndexView):
    pass


class ContactIndexView(SafeSnippetIndexView):
    """Partners see their own contacts only, without private phone numbers and addresses
    (casestudies.privacy)."""

    def get_base_queryset(self):
        return privacy.visible_contacts(super().get_base_queryset(), self.request.user)

    def to_row_dict(self, item):
        row = super().to_row_dict(item)
        return {
            field: privacy.contact_value(item, field, value, self.request.user)
            for field, value in row.items()
        }


class ScopedContactChooseView(SnippetChooseView):
    def get_object_list(self):
        return privacy.visible_contacts(super().get_object_list(), self.request.user)


class ScopedContactChooseResultsView(SnippetChooseResultsView):
    def get_object_list(self):
        return privacy.visible_contacts(super().get_object_list(), self.request.user)


class ContactChooserViewSet(SnippetChooserViewSet):
    choose_view_class = ScopedContactChooseView
    choose_results_view_class = ScopedContactChooseResultsView


class TownAdmin(ModelAdmin):
    index_view_class = SafeModelAdminIndexView
    model = Town
    menu_label = _("Orte")
    menu_icon = "site"
    list_display = ("name", "state", "county", "population", "size_class", "ags", "location")
    list_filter = ("state", "size_class")
    search_fields = ("name", "county", "ags")
    list_export = (
        "name",
        "state",
        "county",
        "population",
        "size_class",
        "ags",
        "latitude",
        "longitude",
    )
    export_filename = "orte"

    @admin.display(description=_("Lage"))
    def location(self, town):
        if town.has_coordinates:
            return _("auf der Karte")
        return format_html(
            '<span class="w-status w-status--primary">{}</span>', _("Koordinaten fehlen")
        )


class OrganisationAdmin(ModelAdmin):
    index_view_class = SafeModelAdminIndexView
    model = Organisation
    menu_label = _("Organisationen")
    menu_icon = "group"
    list_display = ("name", "short_name", "kind", "website")
    list_filter = ("kind",)
    search_fields = ("name", "short_name")
    # Refuses a second entry for an existing organisation (casestudies.reference_forms).
    edit_handler = ObjectList(Organisation.panels, base_form_class=OrganisationForm)
    list_export = ("name", "short_name", "kind", "website")
    export_filename = "organisationen"


class FundingProgrammeAdmin(ModelAdmin):
    index_view_class = SafeModelAdminIndexView
    model = FundingProgramme
    menu_label = _("Förderprogramme")
    menu_icon = "tag"
    list_display = ("name", "short_name", "funder")
    list_filter = ("funder",)
    search_fields = ("name", "short_name", "description")
    list_export = ("name", "short_name", "funder", "website", "description")
    export_filename = "foerderprogramme"


@modeladmin_register
class ReferenceDataGroup(ModelAdminGroup):
    menu_label = _("Stammdaten")
    menu_icon = "folder-open-inverse"
    menu_order = 250
    items = (TownAdmin, OrganisationAdmin, FundingProgrammeAdmin)


class ThemeChooserViewSet(SnippetChooserViewSet):
    """The snippet chooser of themes, with a tab to create one (its slug follows the name);
    a near-duplicate of an existing theme is refused and the existing one offered. The case
    form opens it from its list of themes (core.widgets.SearchableCheckboxSelectMultiple).
    Creating needs Wagtail's "add_theme" (Redaktion, Moderation, Administration): one theme,
    named by a person who sees the existing ones. ``import_new_themes`` stays the right to
    grow the taxonomy by file."""

    search_tab_label = _("Suchen")
    creation_form_class = ThemeCreationForm
    creation_tab_label = _("Neues Thema anlegen")
    create_action_label = _("Thema anlegen")


class ThemeViewSet(SnippetViewSet):
    index_view_class = SafeSnippetIndexView
    model = Theme
    chooser_viewset_class = ThemeChooserViewSet
    edit_handler = ObjectList(Theme.panels, base_form_class=ThemeForm)
    icon = "tag"
    list_display = ["name", "slug", "sort_order"]
    search_fields = ["name", "summary"]
    ordering = ["sort_order", "name"]


class ContactViewSet(SnippetViewSet):
    index_view_class = ContactIndexView
    chooser_viewset_class = ContactChooserViewSet
    model = Contact
    icon = "user"
    # "publication" says in words what "is_public" means (a boolean showed "True"/"False").
    list_display = ["function", "name", "organisation", "publication"]
    list_filter = ["is_public", "organisation"]
    search_fields = ["name", "function"]
    list_export = ["function", "name", "organisation", "phone", "email", "publication"]


register_snippet(ThemeViewSet)
register_snippet(ContactViewSet)


class ReferenceChooserViewSet(ChooserViewSet):
    """A searchable chooser whose modal can also create the entry (a "Neu anlegen" tab for
    users allowed to add this kind of reference data), so an editor need not leave the case
    form. The creation form is Wagtail's model form of ``form_fields``."""

    search_tab_label = _("Suchen")
    per_page = 20


class TownCreationForm(SiteModelForm):
    """A new town from the town chooser: the name suggests entries of the municipality
    directory and fills state, district, population, AGS and coordinates (the size class
    follows from the population when the town is saved)."""

    class Meta:
        model = Town
        fields = ["name", "state", "county", "population", "ags", "latitude", "longitude"]
        widgets = {"name": MunicipalityNameInput}


class FundingProgrammeCreationForm(SiteModelForm):
    class Meta:
        model = FundingProgramme
        fields = ["name", "short_name", "funder", "website"]


class TownChooserViewSet(ReferenceChooserViewSet):
    """Towns: thousands of them, so a search rather than a select box. The size class is
    derived from the population when the town is saved (Town.save)."""

    model = Town
    icon = "site"
    choose_one_text = _("Ort auswählen")
    choose_another_text = _("Anderen Ort auswählen")
    edit_item_text = _("Ort bearbeiten")
    creation_form_class = TownCreationForm
    creation_tab_label = _("Neuen Ort anlegen")
    create_action_label = _("Ort anlegen")


class OrganisationChooserViewSet(ReferenceChooserViewSet):
    model = Organisation
    icon = "group"
    choose_one_text = _("Organisation auswählen")
    choose_another_text = _("Andere Organisation auswählen")
    edit_item_text = _("Organisation bearbeiten")
    # The case form opens this chooser from its list of partners; a near-duplicate is
    # refused and the existing organisation offered (casestudies.reference_forms).
    creation_form_class = OrganisationCreationForm
    creation_tab_label = _("Neue Organisation anlegen")
    create_action_label = _("Organisation anlegen")


class FundingProgrammeChooserViewSet(ReferenceChooserViewSet):
    model = FundingProgramme
    icon = "tag"
    choose_one_text = _("Förderprogramm auswählen")
    choose_another_text = _("Anderes Förderprogramm auswählen")
    edit_item_text = _("Förderprogramm bearbeiten")
    creation_form_class = FundingProgrammeCreationForm
    creation_tab_label = _("Neues Förderprogramm anlegen")
    create_action_label = _("Förderprogramm anlegen")


town_chooser_viewset = TownChooserViewSet("town_chooser")
organisation_chooser_viewset = OrganisationChooserViewSet("organisation_chooser")
funding_programme_chooser_viewset = FundingProgrammeChooserViewSet("funding_programme_chooser")


class CaseRevisionsCompareView(RevisionsCompareView):
    """Revision comparison of a case: partners see it without the contacts
    (casestudies.privacy); editors and moderators see everything."""

    def get_edit_handler(self):
        return privacy.comparison_edit_handler(
            super().get_edit_handler(), self.object.specific_class, self.request.user
        )


class CaseRevisionsRevertView(RevisionsRevertView):
    """A partner may not open an old revision whose contacts include a non-public person it
    may not see (the form would show the name)."""

    def get_object(self):
        case = super().get_object()
        if privacy.hides_contacts(case, self.request.user):
            raise PermissionDenied
        return case


class CasePageViewSet(PageViewSet):
    """Wagtail's page views for cases, with the contact-safe revision comparison and
    revert form."""

    model = CasePage
    revisions_compare_view_class = CaseRevisionsCompareView
    revisions_revert_view_class = CaseRevisionsRevertView
    # The explorer listings of the case sections stay Wagtail's default.
    parent_models = ()


case_page_viewset = CasePageViewSet("case_pages")


@hooks.register("register_admin_viewset")
def register_reference_choosers():
    return [
        town_chooser_viewset,
        organisation_chooser_viewset,
        funding_programme_chooser_viewset,
        case_page_viewset,
    ]
