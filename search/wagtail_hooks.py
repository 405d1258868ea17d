from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import SnippetViewSet

from core.csvsafe import FormulaSafeExportMixin

from .admin_views import search_analytics
from .models import Synonym


class SafeSnippetIndexView(FormulaSafeExportMixin, SnippetIndexView):
    """Formula-safe CSV export (finding 5)."""


class SynonymViewSet(SnippetViewSet):
    model = Synonym
    index_view_class = SafeSnippetIndexView
    icon = "resubmit"
    list_display = ["rule", "note", "active"]
    list_filter = ["active"]
    search_fields = ["rule", "note"]
    ordering = ["rule"]


register_snippet(SynonymViewSet)


@hooks.register("register_admin_urls")
def register_search_analytics_url():
    return [path("suchanalyse/", search_analytics, name="search_analytics")]


@hooks.register("register_reports_menu_item")
def register_search_analytics_menu_item():
    return MenuItem(_("Suchanalyse"), reverse("search_analytics"), icon_name="search", order=700)
