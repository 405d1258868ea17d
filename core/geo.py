"""German states and the BBSR size classes of towns (Stadt- und Gemeindetypen)."""

import unicodedata

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    BW = "BW", "Baden-Württemberg"
    BY = "BY", "Bayern"
    BE = "BE", "Berlin"
    BB = "BB", "Brandenburg"
    HB = "HB", "Bremen"
    HH = "HH", "Hamburg"
    HE = "HE", "Hessen"
    MV = "MV", "Mecklenburg-Vorpommern"
    NI = "NI", "Niedersachsen"
    NW = "NW", "Nordrhein-Westfalen"
    RP = "RP", "Rheinland-Pfalz"
    SL = "SL", "Saarland"
    SN = "SN", "Sachsen"
    ST = "ST", "Sachsen-Anhalt"
    SH = "SH", "Schleswig-Holstein"
    TH = "TH", "Thüringen"


_GERMAN_FOLDS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _fold(text):
    """Lower-case, strip accents and non-letters so that "NRW", "nordrhein westfalen" match."""
    text = text.lower().translate(_GERMAN_FOLDS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore")
    return "".join(ch for ch in text.decode().lower() if ch.isalnum())


_STATE_ALIASES = {_fold(label): code for code, label in State.choices}
_STATE_ALIASES.update({_fold(code): code for code in State.values})
_STATE_ALIASES.update({"nrw": "NW", "rlp": "RP", "bawu": "BW", "mvp": "MV", "lsa": "ST"})


def parse_state(value):
    """Return the state code for a code or a German name, or None if unknown."""
    if not value:
        return None
    return _STATE_ALIASES.get(_fold(str(value)))


class SizeClass(models.TextChoices):
    """BBSR classes of towns by population; derived, never typed by hand."""

    RURAL = "landgemeinde", _("Landgemeinde (unter 5.000)")
    SMALL = "kleine-kleinstadt", _("Kleine Kleinstadt (5.000–10.000)")
    LARGER = "groessere-kleinstadt", _("Größere Kleinstadt (10.000–20.000)")
    MEDIUM = "mittelstadt", _("Mittelstadt (20.000–100.000)")
    LARGE = "grossstadt", _("Großstadt (ab 100.000)")


SIZE_CLASS_LOWER_BOUNDS = [
    (100_000, SizeClass.LARGE),
    (20_000, SizeClass.MEDIUM),
    (10_000, SizeClass.LARGER),
    (5_000, SizeClass.SMALL),
    (0, SizeClass.RURAL),
]


def size_class_for(population):
    """The BBSR size class for a population, or "" if the population is unknown."""
    if population is None:
        return ""
    for lower_bound, size_class in SIZE_CLASS_LOWER_BOUNDS:
        if population >= lower_bound:
            return size_class.value
    return ""
