from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register

from .models import Contact, FundingProgramme, Organisation, Theme, Town


class TownAdmin(ModelAdmin):
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
    model = Organisation
    menu_label = _("Organisationen")
    menu_icon = "group"
    list_display = ("name", "short_name", "kind", "website")
    list_filter = ("kind",)
    search_fields = ("name", "short_name")
    list_export = ("name", "short_name", "kind", "website")
    export_filename = "organisationen"


class FundingProgrammeAdmin(ModelAdmin):
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


class ThemeViewSet(SnippetViewSet):
    model = Theme
    icon = "tag"
    list_display = ["name", "slug", "sort_order"]
    search_fields = ["name", "summary"]
    ordering = ["sort_order", "name"]


class ContactViewSet(SnippetViewSet):
    model = Contact
    icon = "user"
    list_display = ["function", "name", "organisation", "is_public"]
    list_filter = ["is_public", "organisation"]
    search_fields = ["name", "function"]
    list_export = ["function", "name", "organisation", "phone", "email", "is_public"]


register_snippet(ThemeViewSet)
register_snippet(ContactViewSet)


class TownChooserViewSet(ChooserViewSet):
    """A searchable chooser for towns: a select box does not work with thousands of them."""

    model = Town
    icon = "site"
    choose_one_text = _("Ort auswählen")
    choose_another_text = _("Anderen Ort auswählen")
    edit_item_text = _("Ort bearbeiten")
    per_page = 20


town_chooser_viewset = TownChooserViewSet("town_chooser")


@hooks.register("register_admin_viewset")
def register_town_chooser():
    return town_chooser_viewset
