"""Admin panels of the case page."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel

from .completeness import check_page


class CompletenessPanel(Panel):
    """Shows the editor which core facts are still missing before the case can be published,
    and which optional transfer fields would help other towns. Reads the saved state (the
    latest revision), so it updates on each save."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("heading", _("Vollständigkeit"))
        super().__init__(*args, **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "casestudies/panels/completeness.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["completeness"] = check_page(self.instance)
            context["is_new"] = self.instance.pk is None
            return context
