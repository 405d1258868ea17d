from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import SnippetViewSet

from core.csvsafe import FormulaSafeExportMixin

from .models import CaseSuggestion


class SafeSnippetIndexView(FormulaSafeExportMixin, SnippetIndexView):
    """Formula-safe CSV export (finding 5)."""


class CaseSuggestionViewSet(SnippetViewSet):
    """The suggestions with their (non-public) contacts, for follow-up and deletion once
    dealt with; the draft case itself is in the library and in the workflow."""

    model = CaseSuggestion
    index_view_class = SafeSnippetIndexView
    icon = "mail"
    menu_label = _("Fallvorschläge")
    list_display = ["title", "town", "contact_name", "contact_email", "page", "created_at"]
    search_fields = ["title", "town", "contact_name"]
    ordering = ["-created_at"]


register_snippet(CaseSuggestionViewSet)
