"""The words partners use for a case's status, and the folding with which imported names
are compared (case, umlauts written as ae/oe/ue, ß/ss, "&"/"und", punctuation).

The status mapping is documented in the README (Import, Status); extend both together.
"""

import re

from django.utils.translation import gettext as _

from .models import Status

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "&": " und ", "+": " und "})


def fold(text):
    """The comparison key of a name: lower case, umlauts spelt out, no punctuation."""
    text = str(text or "").lower().translate(_FOLD)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


STATUS_WORDS = {
    Status.PLANNED: [
        "geplant",
        "in planung",
        "planung",
        "planungsphase",
        "vorbereitung",
        "in vorbereitung",
        "konzeptphase",
        "idee",
    ],
    Status.RUNNING: [
        "laufend",
        "läuft",
        "aktiv",
        "in umsetzung",
        "umsetzung",
        "in arbeit",
        "in durchführung",
        "im aufbau",
        "aufbau",
        "pilotphase",
        "pilotprojekt",
        "pilot",
        "modellphase",
        "modellprojekt",
        "erprobung",
        "in erprobung",
        "testphase",
        "begonnen",
        "gestartet",
    ],
    Status.ESTABLISHED: [
        "verstetigt",
        "dauerhaft",
        "dauerbetrieb",
        "regelbetrieb",
        "im regelbetrieb",
        "etabliert",
        "fortlaufend",
        "dauerhaft etabliert",
        "fest etabliert",
        "daueraufgabe",
        "läuft dauerhaft",
        "weitergeführt",
    ],
    Status.FINISHED: [
        "beendet",
        "abgeschlossen",
        "fertig",
        "fertiggestellt",
        "erledigt",
        "ausgelaufen",
        "umgesetzt",
        "realisiert",
        "eingestellt",
        "vorbei",
        "projekt abgeschlossen",
    ],
}
_STATUS_BY_KEY = {fold(word): status for status, words in STATUS_WORDS.items() for word in words}


def status_for(word):
    """The Status value for a partner's word, or None when the word is unknown."""
    return _STATUS_BY_KEY.get(fold(word))


def status_words_text():
    """The accepted words for an error message: "geplant (in Planung, ...), ..."."""
    return "; ".join(
        f"{status.value}: " + ", ".join(words) for status, words in STATUS_WORDS.items()
    )


def unknown_status_message(word):
    return _("„%(value)s“ ist kein bekannter Status; erlaubt sind %(allowed)s") % {
        "value": word,
        "allowed": status_words_text(),
    }
