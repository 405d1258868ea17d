"""Loading and looking up the municipality directory."""

import csv
import gzip
import re
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from rapidfuzz import fuzz, process, utils

from .models import STATE_BY_AGS_PREFIX, Municipality

DATA_FILE = Path(__file__).parent / "data" / "gemeinden.csv.gz"


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


# The larger place first; places without a population last on every database (PostgreSQL
# would put NULL first when sorting descending).
LARGEST_FIRST = F("population").desc(nulls_last=True)


def fold(text):
    """Lower case, umlauts spelt out, runs of other characters as one space, "St." as
    "Sankt" (the states write it either way)."""
    text = utils.default_process(text.lower().translate(_UMLAUTS))
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return re.sub(r"\bst\b", "sankt", text)


def read_rows(path=DATA_FILE):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _decimal(value):
    return Decimal(value) if value else None


# Sent by ``load_municipalities`` after loading: whoever keeps towns completes them from the
# directory (casestudies.towns) and returns a line for the command's report.
directory_loaded = Signal()


def load(path=DATA_FILE, model=Municipality):
    """Insert new entries and update changed ones (keyed by AGS); entries no longer in the
    file stay (a town may still point to them). Returns (created, updated)."""
    existing = {m.ags: m for m in model.objects.all()}
    fields = [
        "name",
        "official_name",
        "search_name",
        "state",
        "district",
        "population",
        "latitude",
        "longitude",
        "coordinates_source",
        "unincorporated",
    ]
    new, changed = [], []
    for row in read_rows(path):
        values = {
            "name": row["name"],
            "official_name": row["official_name"],
            "search_name": fold(row["name"]),
            "state": STATE_BY_AGS_PREFIX[row["ags"][:2]],
            "district": row["district"],
            "population": int(row["population"]) if row["population"] else None,
            "latitude": _decimal(row["latitude"]),
            "longitude": _decimal(row["longitude"]),
            "coordinates_source": row["source"],
            "unincorporated": bool(row["unincorporated"]),
        }
        current = existing.get(row["ags"])
        if current is None:
            new.append(model(ags=row["ags"], **values))
        elif any(getattr(current, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(current, key, value)
            changed.append(current)
    with transaction.atomic():
        model.objects.bulk_create(new, batch_size=1000)
        model.objects.bulk_update(changed, fields, batch_size=1000)
    return len(new), len(changed)


def find(query, state=None, limit=10):
    """Municipalities for what a person typed: exact names first, then names that start
    with it ("Osterburg" finds "Osterburg (Altmark)"), then close spellings."""
    folded = fold(query or "")
    if len(folded) < 2:
        return []
    queryset = Municipality.objects.municipalities()
    if state:
        queryset = queryset.filter(state=state)
    exact = list(queryset.filter(search_name=folded).order_by(LARGEST_FIRST, "name"))
    prefix = list(
        queryset.filter(search_name__startswith=folded)
        .exclude(search_name=folded)
        .order_by(LARGEST_FIRST, "name")[:limit]
    )
    found = exact + prefix
    if len(found) < limit and len(folded) >= 4:
        found += list(
            queryset.filter(search_name__contains=" " + folded)
            .exclude(id__in=[m.id for m in found])
            .order_by(LARGEST_FIRST, "name")[: limit - len(found)]
        )
    if len(found) < limit and len(folded) >= 4:
        # Misspellings: the name as typed against the start of each name, as long as what
        # was typed, so that "Osterbrug" still finds "Osterburg (Altmark)".
        names = {pk: name[: len(folded)] for pk, name in queryset.values_list("id", "search_name")}
        close = process.extract(folded, names, scorer=fuzz.ratio, limit=limit * 3, score_cutoff=80)
        seen = {m.id for m in found}
        scores = {key: score for _name, score, key in close if key not in seen}
        # Equally close spellings: the larger place is the likelier one.
        found += sorted(
            Municipality.objects.in_bulk(list(scores)).values(),
            key=lambda m: (-scores[m.id], -(m.population or 0), m.name),
        )
    return found[:limit]
