"""Match the names of an import to existing reference data before anything new is created.

A name matches an existing entry when their folded forms (casestudies.vocabulary.fold) are
equal, when it is a known other name of a theme (``Theme.synonyms``) or a programme's short
name, and a theme also when it is a near spelling (rapidfuzz ratio at or above the cutoff
below). Programmes and organisations are not matched by near spelling: their names differ in
one word or number only ("Stadt Steindorf"/"Stadt Kleindorf", "LEADER 2014-2020"/"LEADER
2021-2027") and still name different things. Towns
are compared without the title of the municipality ("Hansestadt Gardelegen" = "Gardelegen")
and without a note in brackets ("Grimma (mit allen Ortsteilen)", kept as a note of the case;
a bracket of an official name such as "Osterburg (Altmark)" stays), and only within the same
state: similar names in different states are different towns.

The resolver works on the normalised records before the import is planned: it replaces
each name by the existing entry's name, records what would be created (listed by the dry
run) and moves funding descriptions out of the programme list. Nothing is written here.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from places.directory import fold as directory_fold
from places.models import Municipality

from .models import FundingProgramme, Organisation, Theme, Town
from .vocabulary import fold

# Near-spelling cutoff (0-100). Theme names are short and few: a typo or a plural
# ("Tourimus", "Kultur und Gemeinschaften") matches, a different word does not.
THEME_CUTOFF = 88

TOWN_TITLES = (
    "kreis und hansestadt",
    "grosse kreisstadt",
    "universitaetsstadt",
    "einheitsgemeinde",
    "marktgemeinde",
    "landgemeinde",
    "lutherstadt",
    "hansestadt",
    "kreisstadt",
    "stadtgemeinde",
    "gemeinde",
    "flecken",
    "markt",
    "stadt",
)
_TOWN_NOTE = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<note>[^()]*)\)\s*$")
LEGAL_FORMS = {"e", "v", "ev", "eg", "gmbh", "ggmbh", "mbh", "ag", "gbr", "aoer", "kdoer", "ug"}

# A funding entry is a description, not a programme, when no programme of that name exists
# and it mentions money or shares, starts like a description of own funds, or is long.
_MONEY = re.compile(r"€|\beuro\b|\beur\b|%|\bprozent\b|\banteile?\b|\bje\b", re.IGNORECASE)
OWN_FUNDS = (
    "eigenmittel",
    "eigenanteil",
    "eigene mittel",
    "eigenleistung",
    "spenden",
    "spende",
    "anteile",
    "mitgliedsbeitraege",
    "beitraege",
    "haushaltsmittel",
    "kommunale mittel",
    "mittel der",
    "mittel des",
    "sponsoring",
    "crowdfunding",
    "private mittel",
    "privat",
    "darlehen",
    "kredit",
)
DESCRIPTION_WORDS = 9


def is_funding_description(text):
    key = fold(text)
    return bool(
        _MONEY.search(text) or key.startswith(OWN_FUNDS) or len(text.split()) >= DESCRIPTION_WORDS
    )


def town_name_and_note(name, state=None):
    """The town's name and what the source added in brackets. Official names often carry a
    bracket ("Osterburg (Altmark)", "Lohne (Oldenburg)"): when the name with its bracket is
    a municipality of the directory (places, within the state if given), it is the name.
    Otherwise the bracket is a note for the case ("Grimma (mit allen Ortsteilen)", "Bad
    Sooden-Allendorf (Kurort)"): ("Grimma", "mit allen Ortsteilen")."""
    name = " ".join(name.split())
    match = _TOWN_NOTE.match(name)
    if not match:
        return name, ""
    municipalities = Municipality.objects.municipalities().filter(search_name=directory_fold(name))
    if state:
        municipalities = municipalities.filter(state=state)
    if municipalities.exists():
        return name, ""
    return match.group("name").strip(), match.group("note").strip()


def town_key(name):
    """The comparison key of a town's name: folded, without the title of the municipality
    ("Hansestadt Gardelegen" = "Gardelegen"). A bracket stays: split notes off first
    (``town_name_and_note``)."""
    key = fold(name)
    stripped = True
    while stripped:
        stripped = False
        for title in TOWN_TITLES:
            if key.startswith(title + " ") and len(key) > len(title) + 1:
                key = key[len(title) + 1 :]
                stripped = True
    return key


def organisation_key(name):
    return " ".join(word for word in fold(name).split() if word not in LEGAL_FORMS)


def _split_synonyms(text):
    return [part.strip() for part in re.split(r"[,;\n]", text or "") if part.strip()]


@dataclass
class _Names:
    """Existing (and planned) entries of one kind: key -> canonical name."""

    cutoff: int = 100
    keys: dict = field(default_factory=dict)

    def add(self, key, name):
        if key:
            self.keys.setdefault(key, name)

    def exact(self, key):
        return self.keys.get(key)

    def near(self, key, cutoff=None):
        """(name, score) of the nearest entry at or above the cutoff, or None."""
        if not self.keys or not key:
            return None
        found = process.extractOne(
            key,
            list(self.keys),
            scorer=fuzz.ratio,
            score_cutoff=self.cutoff if cutoff is None else cutoff,
        )
        if found is None or (cutoff is None and _digits(found[0]) != _digits(key)):
            return None  # "Programm 2021" is not "Programm 2022"
        return self.keys[found[0]], found[1]


class RecordProblem(Exception):
    def __init__(self, field_name, message):
        super().__init__(message)
        self.field_name = field_name
        self.message = message


class ReferenceResolver:
    """Resolve the reference names of normalised records against the database."""

    def __init__(self, may_create_themes=True):
        self.may_create_themes = may_create_themes
        self.themes = _Names(THEME_CUTOFF)
        for name, synonyms in Theme.objects.values_list("name", "synonyms"):
            self.themes.add(fold(name), name)
            for synonym in _split_synonyms(synonyms):
                self.themes.add(fold(synonym), name)
        self.programmes = _Names()
        for name, short in FundingProgramme.objects.values_list("name", "short_name"):
            self.programmes.add(fold(name), name)
            self.programmes.add(fold(short), name)
        self.organisations = _Names()
        for name in Organisation.objects.values_list("name", flat=True):
            self.organisations.add(organisation_key(name), name)
        self.towns = {}  # (key, state) -> name
        for name, state in Town.objects.values_list("name", "state"):
            self.towns.setdefault((town_key(name), state), name)
        # What the import would create, in order of first use.
        self.new = {"themes": [], "towns": [], "funding": [], "partners": []}

    def resolve(self, record):
        """Rewrite the record's names to existing entries; return warnings (text). Raises
        RecordProblem when a theme would have to be created and may not be."""
        warnings = []
        if "themes" in record:
            record["themes"] = _unique([self.theme(n, warnings) for n in record["themes"]])
        if "towns" in record:
            for town in record["towns"]:
                self.town(town, warnings)
        if "funding" in record:
            self.funding(record, warnings)
        if "partners" in record:
            record["partners"] = _unique([self.organisation(n) for n in record["partners"]])
        for contact in record.get("contacts", []):
            if contact["organisation"]:
                contact["organisation"] = self.organisation(contact["organisation"])
        return warnings

    def theme(self, name, warnings):
        key = fold(name)
        found = self.themes.exact(key)
        if found is None:
            near = self.themes.near(key)
            if near is not None:
                found = near[0]
        if found is not None:
            if fold(found) != key:
                warnings.append(
                    _("Thema „%(name)s“ als „%(theme)s“ übernommen")
                    % {
                        "name": name,
                        "theme": found,
                    }
                )
            return found
        if not self.may_create_themes:
            closest = self.themes.near(key, cutoff=0)
            message = _(
                "Thema „%s“ gibt es nicht, und Ihr Import darf keine neuen Themen anlegen "
                "(Recht „Darf beim Import neue Themen anlegen“)"
            )
            message %= name
            if closest is not None:
                message += _("; am nächsten liegt „%s“") % closest[0]
            raise RecordProblem("themes", message)
        self.themes.add(key, name)
        self.new["themes"].append(name)
        return name

    def town(self, town, warnings):
        """Rewrite ``town["name"]`` in place to the existing town's name; a note in brackets
        goes to ``town["note"]`` (stored on the case's link to the town)."""
        original = town["name"]
        name, note = town_name_and_note(original, town["state"])
        key = (town_key(name), town["state"])
        existing = self.towns.get(key)
        if note:
            town["note"] = town.get("note") or note
            warnings.append(
                _("Ort „%(original)s“ als „%(name)s“ gelesen, Zusatz „%(note)s“ beim Fall vermerkt")
                % {"original": original, "name": existing or name, "note": note}
            )
        if existing is None:
            self.towns[key] = name
            self.new["towns"].append(f"{name} ({town['state']})")
            existing = name
        town["name"] = existing

    def funding(self, record, warnings):
        programmes, notes = [], []
        for name in record["funding"]:
            key = fold(name)
            found = self.programmes.exact(key)
            if found is None and is_funding_description(name):
                notes.append(name)
                warnings.append(
                    _(
                        "Finanzierung „%s“ ist kein Förderprogramm: "
                        "als Notiz zur Finanzierung übernommen"
                    )
                    % name
                )
                continue
            if found is None:
                self.programmes.add(key, name)
                self.new["funding"].append(name)
                found = name
            programmes.append(found)
        record["funding"] = _unique(programmes)
        if notes:
            record["funding_note"] = "; ".join(filter(None, [record.get("funding_note"), *notes]))

    def organisation(self, name):
        key = organisation_key(name)
        found = self.organisations.exact(key)
        if found is None:
            self.organisations.add(key, name)
            self.new["partners"].append(name)
            found = name
        return found


def _digits(text):
    return re.findall(r"\d+", text)


def _unique(names):
    result = []
    for name in names:
        if name.lower() not in {existing.lower() for existing in result}:
            result.append(name)
    return result


def _compact(key):
    """A folded key without spaces: "Klima-Schutz" and "Klimaschutz" are one word."""
    return key.replace(" ", "")


def _same_theme_key(key, other):
    if not key or not other:
        return False
    if _compact(key) == _compact(other):
        return True
    return fuzz.ratio(key, other) >= THEME_CUTOFF and _digits(key) == _digits(other)


def similar_themes(name, exclude_pk=None):
    """Existing themes that a new theme of this name would duplicate: the same name in
    another spelling ("Klima-Schutz" and "Klimaschutz"), one of a theme's other names or a
    near spelling, as the import matches them."""
    key = fold(name)
    themes = Theme.objects.exclude(pk=exclude_pk).only("pk", "name", "synonyms")
    return [
        theme
        for theme in themes
        if any(
            _same_theme_key(key, other)
            for other in [fold(theme.name), *map(fold, _split_synonyms(theme.synonyms))]
        )
    ]


def similar_organisations(name, exclude_pk=None):
    """Existing organisations of this name, with or without their legal form ("e. V.") and
    in any spelling of the same words ("Bürger-Stiftung" and "Buergerstiftung"). Names that
    differ in a word are different organisations, as in the import."""
    key = _compact(organisation_key(name))
    if not key:
        return []
    organisations = Organisation.objects.exclude(pk=exclude_pk).only("pk", "name")
    return [org for org in organisations if _compact(organisation_key(org.name)) == key]
