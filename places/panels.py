from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel


class TownCoordinatesPanel(Panel):
    """Warns the editor when a saved town has no coordinates: it is missing on the map and
    in "Orte wie meiner"'s distances."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("heading", _("Lage"))
        super().__init__(*args, **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "places/panels/town_coordinates.html"

        def is_shown(self):
            instance = self.instance
            return (
                instance is not None and instance.pk is not None and not (instance.has_coordinates)
            )
