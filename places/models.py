"""The directory of every German municipality (places/data/gemeinden.csv.gz, see the
README: sources, licences and date of the figures)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.geo import State

# The first two digits of the AGS name the state.
STATE_BY_AGS_PREFIX = {
    "01": State.SH,
    "02": State.HH,
    "03": State.NI,
    "04": State.HB,
    "05": State.NW,
    "06": State.HE,
    "07": State.RP,
    "08": State.BW,
    "09": State.BY,
    "10": State.SL,
    "11": State.BE,
    "12": State.BB,
    "13": State.MV,
    "14": State.SN,
    "15": State.ST,
    "16": State.TH,
}


class MunicipalityQuerySet(models.QuerySet):
    def municipalities(self):
        """Without the unincorporated areas (forests, lakes), which nobody lives in."""
        return self.filter(unincorporated=False)


class Municipality(models.Model):
    class Source(models.TextChoices):
        GEONAMES = "geonames", _("GeoNames (Ort gleichen Namens)")
        DISTRICT = "kreis", _("Mitte des Landkreises (ungefähr)")
        NONE = "", _("unbekannt")

    ags = models.CharField(_("Amtlicher Gemeindeschlüssel (AGS)"), max_length=8, unique=True)
    name = models.CharField(_("Name"), max_length=120, db_index=True)
    official_name = models.CharField(_("Amtlicher Name"), max_length=200)
    # Folded (lower case, umlauts spelt out, letters and digits only) for lookups.
    search_name = models.CharField(max_length=120, db_index=True, editable=False)
    state = models.CharField(_("Bundesland"), max_length=2, choices=State.choices)
    district = models.CharField(_("Landkreis"), max_length=120, blank=True)
    population = models.PositiveIntegerField(_("Einwohnerzahl"), null=True, blank=True)
    latitude = models.DecimalField(
        _("Breitengrad"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("Längengrad"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    coordinates_source = models.CharField(
        _("Herkunft der Koordinaten"), max_length=10, choices=Source.choices, blank=True
    )
    unincorporated = models.BooleanField(_("Gemeindefreies Gebiet"), default=False)

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("Gemeinde")
        verbose_name_plural = _("Gemeinden")
        ordering = ["name", "ags"]

    def __str__(self):
        return f"{self.name} ({self.state})"

    @property
    def label(self):
        """How a list of suggestions shows it: the district tells namesakes apart."""
        parts = [self.get_state_display()]
        if self.district and self.district != self.name:
            parts.insert(0, self.district)
        return f"{self.name} ({', '.join(parts)})"
