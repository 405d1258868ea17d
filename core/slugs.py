"""Addresses (slugs) the German way: "Mobilität" -> "mobilitaet", "Straße" -> "strasse".
The same rule as the admin's slug field (core.widgets.GermanSlugInput) and the importer."""

import re

_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)


def german_slugify(text, max_length=255):
    text = text.translate(_UMLAUTS).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:max_length]
