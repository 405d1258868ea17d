"""The library's towns completed from the municipality directory (places.towns) when the
directory is loaded (``places.directory.directory_loaded``)."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from places.directory import directory_loaded
from places.towns import complete_town

from .models import Town


def fill_towns():
    """Complete every town without coordinates. Returns (filled, still without)."""
    filled = 0
    for town in Town.objects.filter(latitude__isnull=True) | Town.objects.filter(
        longitude__isnull=True
    ):
        if complete_town(town):
            town.save()
            filled += 1
    missing = Town.objects.filter(latitude__isnull=True).count()
    return filled, missing


@receiver(directory_loaded)
def fill_towns_from_directory(sender, **kwargs):
    filled, missing = fill_towns()
    return _("Orte: %(filled)d ergänzt, %(missing)d ohne Koordinaten.") % {
        "filled": filled,
        "missing": missing,
    }
