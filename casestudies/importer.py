"""Import and export case pages as records (JSON objects or CSV rows).

Every record of a file is validated before anything is written, and the whole file is
written in one transaction: a file with a bad record changes nothing. Records are matched
to existing pages by ``slug``; a record whose values equal the page's is left alone, so
importing the same file twice creates no new revisions.
"""

import csv
import datetime
import html
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from core.geo import parse_state

from .models import (
    BudgetRange,
    CaseContact,
    CaseLibraryPage,
    CasePage,
    CaseTown,
    Contact,
    FundingProgramme,
    Organisation,
    Scope,
    Status,
    Theme,
    Town,
)
from .periods import parse_period

LIST_FIELDS = ("themes", "tags", "funding", "partners")
# Many-to-many relations keep no order of their own.
UNORDERED_FIELDS = LIST_FIELDS
SECTION_FIELDS = ("starting_point", "goals", "implementation", "results")
TEXT_FIELDS = ("summary", "body", "lessons", *SECTION_FIELDS)
URL_FIELDS = ("project_website", "source_url")
TRANSFER_FIELDS = {
    "staff": "transfer_staff",
    "budget_range": "transfer_budget_range",
    "budget": "transfer_budget",
    "funding_rate": "transfer_funding_rate",
    "duration": "transfer_duration",
    "decisions": "transfer_decisions",
    "partners": "transfer_partners",
    "pitfalls": "transfer_pitfalls",
}
TOWN_KEYS = ("name", "state", "population", "ags", "role", "lat", "lon")
CONTACT_KEYS = ("name", "function", "organisation", "phone", "email", "public")
KNOWN_KEYS = {
    "title",
    "slug",
    "scope",
    "period",
    "status",
    "towns",
    "town",
    "state",
    "population",
    "ags",
    "transfer",
    "contacts",
    "last_checked",
    "featured",
    *LIST_FIELDS,
    *TEXT_FIELDS,
    *URL_FIELDS,
    *(f"transfer_{key}" for key in TRANSFER_FIELDS),
}

_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)


def german_slugify(text):
    text = text.translate(_UMLAUTS).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:255]


class RecordError(Exception):
    """A problem with one field of one record."""

    def __init__(self, field_name, message):
        super().__init__(message)
        self.field_name = field_name
        self.message = message


class ImportFailed(Exception):
    """The file cannot be imported; ``errors`` lists every problem found."""

    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------------------------


def read_records(path):
    """Read a JSON (array of objects, or {"cases": [...]}) or CSV file into a list of dicts."""
    path = str(path)
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except OSError as error:
        raise ImportFailed([_("Datei kann nicht gelesen werden: %s") % error]) from error
    except UnicodeDecodeError as error:
        raise ImportFailed([_("Die Datei ist nicht UTF-8-kodiert: %s") % error]) from error
    if path.lower().endswith(".csv"):
        return parse_csv(text)
    return parse_json(text)


def parse_json(text):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFailed(
            [
                _("Ungültiges JSON in Zeile %(line)d, Spalte %(col)d: %(msg)s")
                % {"line": error.lineno, "col": error.colno, "msg": error.msg}
            ]
        ) from error
    if isinstance(data, dict) and isinstance(data.get("cases"), list):
        data = data["cases"]
    if not isinstance(data, list):
        raise ImportFailed([_("Die JSON-Datei muss eine Liste von Fällen enthalten.")])
    return data


def parse_csv(text):
    """CSV rows use the record keys as column names. List columns (themes, tags, funding,
    partners) are separated by ";"; ``towns`` and ``contacts`` may hold JSON lists, or the
    shorthand columns town, state, population, ags describe a single town."""
    reader = csv.DictReader(io.StringIO(text))
    records = []
    for row in reader:
        record = {}
        for key, value in row.items():
            if key is None:
                raise ImportFailed(
                    [_("CSV-Zeile %d hat mehr Werte als Spalten.") % (reader.line_num)]
                )
            key = key.strip()
            value = (value or "").strip()
            if value == "":
                continue
            if key in LIST_FIELDS:
                record[key] = [item.strip() for item in value.split(";") if item.strip()]
            elif key in ("towns", "contacts", "transfer"):
                try:
                    record[key] = json.loads(value)
                except json.JSONDecodeError:
                    record[key] = value  # reported by validation with the record's name
            else:
                record[key] = value
        records.append(record)
    return records


# ---------------------------------------------------------------------------------------------
# Validation: turn a raw record into a normalised one, or raise RecordError
# ---------------------------------------------------------------------------------------------


def _text(record, key, max_length=None):
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise RecordError(key, _("erwartet einen Text"))
    value = str(value).strip()
    if max_length and len(value) > max_length:
        raise RecordError(
            key,
            _("ist %(n)d Zeichen lang, erlaubt sind %(max)d")
            % {"n": len(value), "max": max_length},
        )
    return value


def _string_list(record, key):
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(";")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RecordError(key, _("erwartet eine Liste von Texten"))
    result = []
    for item in value:
        item = item.strip()
        if item and item.lower() not in {existing.lower() for existing in result}:
            result.append(item)
    return result


def _choice(value, key, choices):
    if value in (None, ""):
        return None
    value = str(value).strip().lower()
    allowed = [str(choice) for choice in choices]
    if value not in allowed:
        raise RecordError(
            key,
            _("„%(value)s“ ist nicht erlaubt; erlaubt: %(allowed)s")
            % {"value": value, "allowed": ", ".join(allowed)},
        )
    return value


def _integer(value, key):
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise RecordError(key, _("erwartet eine ganze Zahl"))
    if isinstance(value, str):
        value = value.replace(".", "").replace(" ", "").strip()
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RecordError(key, _("„%s“ ist keine ganze Zahl") % value) from None
    if number < 0:
        raise RecordError(key, _("darf nicht negativ sein"))
    return number


def _coordinate(value, key, limit):
    if value in (None, ""):
        return None
    try:
        number = round(float(str(value).replace(",", ".")), 5)
    except ValueError:
        raise RecordError(key, _("„%s“ ist keine Koordinate") % value) from None
    if not -limit <= number <= limit:
        raise RecordError(key, _("%s liegt außerhalb des gültigen Bereichs") % value)
    return number


def _town(raw, key):
    if not isinstance(raw, dict):
        raise RecordError(key, _("erwartet ein Objekt mit name, state, population, ..."))
    unknown = set(raw) - set(TOWN_KEYS)
    if unknown:
        raise RecordError(key, _("unbekannte Angaben: %s") % ", ".join(sorted(unknown)))
    name = str(raw.get("name") or "").strip()
    if not name:
        raise RecordError(f"{key}.name", _("fehlt"))
    state = parse_state(raw.get("state"))
    if state is None:
        raise RecordError(
            f"{key}.state",
            _("unbekanntes Bundesland „%s“") % (raw.get("state") or ""),
        )
    ags = str(raw.get("ags") or "").strip()
    if ags and not (ags.isdigit() and len(ags) == 8):
        raise RecordError(f"{key}.ags", _("„%s“ ist kein achtstelliger AGS") % ags)
    role = _choice(raw.get("role"), f"{key}.role", CaseTown.Role.values) or CaseTown.Role.LEAD
    return {
        "name": name,
        "state": state,
        "population": _integer(raw.get("population"), f"{key}.population"),
        "ags": ags,
        "role": role,
        "lat": _coordinate(raw.get("lat"), f"{key}.lat", 90),
        "lon": _coordinate(raw.get("lon"), f"{key}.lon", 180),
    }


def _contact(raw, key):
    if not isinstance(raw, dict):
        raise RecordError(key, _("erwartet ein Objekt mit function, organisation, ..."))
    unknown = set(raw) - set(CONTACT_KEYS)
    if unknown:
        raise RecordError(key, _("unbekannte Angaben: %s") % ", ".join(sorted(unknown)))
    contact = {name: str(raw.get(name) or "").strip() for name in CONTACT_KEYS if name != "public"}
    if not contact["function"]:
        raise RecordError(f"{key}.function", _("fehlt"))
    if contact["email"]:
        try:
            EmailValidator()(contact["email"])
        except ValidationError:
            raise RecordError(
                f"{key}.email", _("„%s“ ist keine E-Mail-Adresse") % contact["email"]
            ) from None
    public = raw.get("public", False)
    if isinstance(public, str):
        public = public.strip().lower() in {"1", "true", "ja", "yes"}
    contact["public"] = bool(public)
    return contact


def normalise_record(raw):
    """Validate one raw record; return the normalised record (only the keys it sets)."""
    if not isinstance(raw, dict):
        raise RecordError("", _("erwartet ein Objekt"))
    unknown = set(raw) - KNOWN_KEYS
    if unknown:
        raise RecordError(sorted(unknown)[0], _("unbekanntes Feld"))
    title = _text(raw, "title", 255)
    if not title:
        raise RecordError("title", _("fehlt (Pflichtfeld)"))
    record = {"title": title}

    slug = _text(raw, "slug", 255)
    if slug is not None and slug != german_slugify(slug):
        raise RecordError("slug", _("„%s“ darf nur a-z, 0-9 und Bindestriche enthalten") % slug)
    record["slug"] = slug or german_slugify(title)
    if not record["slug"]:
        raise RecordError("slug", _("lässt sich aus dem Titel nicht bilden"))

    for key in TEXT_FIELDS:
        value = _text(raw, key, 400 if key == "summary" else None)
        if value is not None:
            record[key] = value
    for key in LIST_FIELDS:
        value = _string_list(raw, key)
        if value is not None:
            record[key] = value
    for key in URL_FIELDS:
        value = _text(raw, key, 200)
        if value:
            try:
                URLValidator(schemes=["http", "https"])(value)
            except ValidationError:
                raise RecordError(key, _("„%s“ ist keine gültige Adresse") % value) from None
        if value is not None:
            record[key] = value

    for key, choices in (("scope", Scope.values), ("status", Status.values)):
        value = _choice(raw.get(key), key, choices)
        if value:
            record[key] = value
    if "period" in raw:
        try:
            record["period"] = str(parse_period(raw.get("period")))
        except ValidationError as error:
            raise RecordError("period", error.messages[0]) from None
    if raw.get("last_checked") not in (None, ""):
        try:
            record["last_checked"] = datetime.date.fromisoformat(
                str(raw["last_checked"])
            ).isoformat()
        except ValueError:
            raise RecordError(
                "last_checked", _("„%s“ ist kein Datum der Form JJJJ-MM-TT") % raw["last_checked"]
            ) from None
    if "featured" in raw:
        record["featured"] = bool(raw["featured"])

    # Towns: a list, or the shorthand town/state/population/ags.
    if "towns" in raw and "town" in raw:
        raise RecordError("town", _("entweder „towns“ oder „town“ angeben, nicht beides"))
    if "towns" in raw:
        towns = raw["towns"]
        if not isinstance(towns, list):
            raise RecordError("towns", _("erwartet eine Liste von Orten"))
        record["towns"] = [_town(town, f"towns[{i}]") for i, town in enumerate(towns)]
    elif "town" in raw:
        record["towns"] = [
            _town(
                {key: raw.get(key) for key in ("state", "population", "ags") if key in raw}
                | {"name": raw["town"]},
                "town",
            )
        ]
    elif any(key in raw for key in ("state", "population", "ags")):
        raise RecordError("town", _("fehlt, obwohl state/population/ags angegeben sind"))
    if "towns" in record:
        seen = set()
        for i, town in enumerate(record["towns"]):
            identity = (town["name"].lower(), town["state"])
            if identity in seen:
                raise RecordError(f"towns[{i}]", _("Ort „%s“ ist doppelt") % town["name"])
            seen.add(identity)

    if "contacts" in raw:
        contacts = raw["contacts"]
        if not isinstance(contacts, list):
            raise RecordError("contacts", _("erwartet eine Liste von Kontakten"))
        record["contacts"] = [_contact(c, f"contacts[{i}]") for i, c in enumerate(contacts)]

    transfer = raw.get("transfer", {})
    if not isinstance(transfer, dict):
        raise RecordError("transfer", _("erwartet ein Objekt"))
    unknown = set(transfer) - set(TRANSFER_FIELDS)
    if unknown:
        raise RecordError(f"transfer.{sorted(unknown)[0]}", _("unbekanntes Feld"))
    for key in TRANSFER_FIELDS:
        value = transfer.get(key, raw.get(f"transfer_{key}"))
        if value is None:
            continue
        if key == "budget_range":
            record[f"transfer_{key}"] = (
                _choice(value, "transfer.budget_range", BudgetRange.values) or ""
            )
        else:
            record[f"transfer_{key}"] = _text({key: value}, key) if value != "" else ""
    return record


def validate_records(raw_records):
    """Normalise every record; raise ImportFailed naming each bad record and field."""
    records, errors, slugs = [], [], {}
    for number, raw in enumerate(raw_records, start=1):
        label = _describe(raw, number)
        try:
            record = normalise_record(raw)
        except RecordError as error:
            field_part = _("Feld „%s“: ") % error.field_name if error.field_name else ""
            errors.append(f"{label}: {field_part}{error.message}")
            continue
        if record["slug"] in slugs:
            errors.append(
                f"{label}: "
                + _("Feld „slug“: „%(slug)s“ steht schon in Datensatz %(other)d")
                % {"slug": record["slug"], "other": slugs[record["slug"]]}
            )
            continue
        slugs[record["slug"]] = number
        records.append(record)
    if errors:
        raise ImportFailed(errors)
    return records


def _describe(raw, number):
    if isinstance(raw, dict):
        name = raw.get("slug") or raw.get("title")
        if name:
            return _("Datensatz %(n)d („%(name)s“)") % {"n": number, "name": str(name)[:80]}
    return _("Datensatz %d") % number


# ---------------------------------------------------------------------------------------------
# Converting between plain text and the page's rich text / StreamField
# ---------------------------------------------------------------------------------------------


def text_to_html(text):
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return "".join(
        "<p>"
        + "<br/>".join(html.escape(line.strip(), quote=False) for line in p.splitlines())
        + "</p>"
        for p in paragraphs
    )


_TAG = re.compile(r"<[^>]+>")


def html_to_text(markup):
    if not markup:
        return ""
    markup = re.sub(r"<br\s*/?>", "\n", str(markup))
    paragraphs = re.split(r"</p>|</h[1-6]>|</li>", markup)
    texts = [html.unescape(_TAG.sub("", p)).strip() for p in paragraphs]
    return "\n\n".join(t for t in texts if t)


def sections_to_stream(record):
    """Build the story StreamField value from the text sections of a record."""
    stream = []
    for kind in SECTION_FIELDS:
        if record.get(kind):
            stream.append(_section(kind, record[kind]))
    if record.get("body"):
        stream.append(_section("other", record["body"]))
    return stream


def _section(kind, text):
    return (
        "section",
        {"kind": kind, "heading": "", "content": [("paragraph", text_to_html(text))]},
    )


def stream_to_sections(stream):
    """Read text sections back from a story StreamField (for export and comparison)."""
    texts = {}
    for block in stream:
        if block.block_type != "section":
            continue
        kind = block.value.get("kind")
        key = kind if kind in SECTION_FIELDS else "body"
        parts = [
            html_to_text(child.value.source if hasattr(child.value, "source") else child.value)
            for child in block.value.get("content", [])
            if child.block_type == "paragraph"
        ]
        text = "\n\n".join(p for p in parts if p)
        texts[key] = "\n\n".join(filter(None, [texts.get(key, ""), text]))
    return texts


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def export_record(page):
    """The record for a case page, in the import format."""
    sections = stream_to_sections(page.body)
    record = {
        "title": page.title,
        "slug": page.slug,
        "summary": page.summary,
        **{key: sections.get(key, "") for key in SECTION_FIELDS},
        "body": sections.get("body", ""),
        "towns": [
            {
                "name": link.town.name,
                "state": link.town.state,
                "population": link.town.population,
                "ags": link.town.ags,
                "role": link.role,
                "lat": float(link.town.latitude) if link.town.latitude is not None else None,
                "lon": float(link.town.longitude) if link.town.longitude is not None else None,
            }
            for link in page.case_towns.all()
        ],
        "scope": page.scope,
        "themes": [theme.name for theme in page.themes.all()],
        "tags": sorted(tag.name for tag in page.tags.all()),
        "period": page.period,
        "status": page.status,
        "funding": [programme.name for programme in page.funding_programmes.all()],
        "partners": [organisation.name for organisation in page.partners.all()],
        "project_website": page.project_website,
        "source_url": page.source_url,
        "lessons": html_to_text(page.lessons),
        "contacts": [
            {
                "name": link.contact.name,
                "function": link.contact.function,
                "organisation": link.contact.organisation.name if link.contact.organisation else "",
                "phone": link.contact.phone,
                "email": link.contact.email,
                "public": link.contact.is_public,
            }
            for link in page.case_contacts.all()
        ],
        "last_checked": page.last_checked.isoformat() if page.last_checked else None,
    }
    for key, attribute in TRANSFER_FIELDS.items():
        record[f"transfer_{key}"] = getattr(page, attribute)
    return record


def export_queryset():
    from django.db.models import Prefetch

    return (
        CasePage.objects.order_by("path")
        .select_related(None)
        .prefetch_related(
            Prefetch("case_towns", queryset=CaseTown.objects.select_related("town")),
            Prefetch(
                "case_contacts",
                queryset=CaseContact.objects.select_related("contact__organisation"),
            ),
            "themes",
            "tags",
            "funding_programmes",
            "partners",
        )
    )


def _comparable(record):
    """Normalise a record for comparison: order-insensitive lists, tags sorted, no None."""
    result = {}
    for key, value in record.items():
        if key == "featured":
            continue
        if key in UNORDERED_FIELDS:
            value = sorted(value, key=str.lower)
        if key == "towns":
            value = [{k: v for k, v in town.items() if v not in (None, "")} for town in value]
        result[key] = value if value is not None else ""
    return result


def differs(page, record):
    """True if importing the record would change the page."""
    current = _comparable(export_record(page))
    incoming = _comparable(record)
    for key, value in incoming.items():
        if key == "towns":
            # Town facts the page already has count as equal if the record leaves them out.
            mine = [
                {k: v for k, v in t.items() if k in ("name", "state", "role")}
                for t in current["towns"]
            ]
            theirs = [{k: v for k, v in t.items() if k in ("name", "state", "role")} for t in value]
            if mine != theirs:
                return True
            continue
        if key in UNORDERED_FIELDS:
            if [t.lower() for t in current.get(key, [])] != [t.lower() for t in value]:
                return True
            continue
        if current.get(key, "") != value:
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


class CaseImporter:
    def __init__(self, library=None, user=None):
        self.library = library or CaseLibraryPage.objects.order_by("path").first()
        self.user = user
        self._towns = {}
        self._themes = {}
        self._programmes = {}
        self._organisations = {}

    def run(self, raw_records, dry_run=False, progress=None):
        """Validate and import; raise ImportFailed (with nothing written) on any error."""
        records = validate_records(raw_records)
        result = ImportResult()
        if self.library is None:
            raise ImportFailed(
                [_("Es gibt noch keine Fallbibliothek, unter der Fälle angelegt werden können.")]
            )
        if dry_run:
            existing = set(
                CasePage.objects.filter(slug__in=[r["slug"] for r in records]).values_list(
                    "slug", flat=True
                )
            )
            for record in records:
                (result.updated if record["slug"] in existing else result.created).append(
                    record["slug"]
                )
            return result
        touched = []
        try:
            # The reference index is brought up to date once per page at the end, not on
            # each of the several saves that creating and publishing a page takes.
            with transaction.atomic(), disable_reference_index_auto_update():
                for number, record in enumerate(records, start=1):
                    try:
                        touched.append(self.import_record(record, result))
                    except (ValidationError, ValueError) as error:
                        messages = getattr(error, "messages", [str(error)])
                        raise ImportFailed(
                            [_describe(record, number) + ": " + "; ".join(messages)]
                        ) from error
                    if progress:
                        progress(number, len(records))
                for page in touched:
                    ReferenceIndex.create_or_update_for_object(page)
        except ImportFailed:
            self._forget()
            raise
        return result

    def _forget(self):
        self._towns.clear()
        self._themes.clear()
        self._programmes.clear()
        self._organisations.clear()

    def import_record(self, record, result):
        page = CasePage.objects.filter(slug=record["slug"]).first()
        if page is not None:
            if not differs(page, record):
                result.unchanged.append(record["slug"])
                return page
            page = page.get_latest_revision_as_object()
            created = False
        else:
            page = CasePage(title=record["title"], slug=record["slug"], live=False)
            created = True

        self.apply(page, record, result)
        if created:
            self.library.add_child(instance=page)
        revision = page.save_revision(user=self.user, log_action=True)
        revision.publish(user=self.user)
        (result.created if created else result.updated).append(record["slug"])
        return page

    def apply(self, page, record, result):
        page.title = record["title"]
        for key in ("summary", "scope", "status", "period", "project_website", "source_url"):
            if key in record:
                setattr(page, key, record[key])
        for key in TRANSFER_FIELDS.values():
            if key in record:
                setattr(page, key, record[key])
        if "lessons" in record:
            page.lessons = text_to_html(record["lessons"])
        if "last_checked" in record:
            page.last_checked = datetime.date.fromisoformat(record["last_checked"])
        if any(key in record for key in (*SECTION_FIELDS, "body")):
            current = stream_to_sections(page.body) if page.pk else {}
            merged = {**current, **{k: record[k] for k in (*SECTION_FIELDS, "body") if k in record}}
            page.body = sections_to_stream(merged)
        if "themes" in record:
            page.themes = [self.theme(name) for name in record["themes"]]
        if "tags" in record:
            page.tags.set(record["tags"], clear=True)
        if "funding" in record:
            page.funding_programmes = [self.programme(name) for name in record["funding"]]
        if "partners" in record:
            page.partners = [self.organisation(name) for name in record["partners"]]
        if "towns" in record:
            # An explicit order: equal (empty) sort orders come back in any order on PostgreSQL.
            page.case_towns = [
                CaseTown(town=self.town(town, result), role=town["role"], sort_order=position)
                for position, town in enumerate(record["towns"])
            ]
        if "contacts" in record:
            page.case_contacts = [
                CaseContact(contact=self.contact(c), sort_order=position)
                for position, c in enumerate(record["contacts"])
            ]

    # Reference data, created on first use ------------------------------------------------

    def town(self, data, result):
        key = (data["name"].lower(), data["state"])
        if key in self._towns:
            return self._towns[key]
        town = None
        if data["ags"]:
            town = Town.objects.filter(ags=data["ags"]).first()
        if town is None:
            town = Town.objects.filter(name__iexact=data["name"], state=data["state"]).first()
        if town is None:
            town = Town(name=data["name"], state=data["state"])
        changed = []
        for attribute, value in (
            ("population", data["population"]),
            ("ags", data["ags"]),
            ("latitude", data["lat"]),
            ("longitude", data["lon"]),
        ):
            if value in (None, ""):
                continue
            if attribute in ("latitude", "longitude"):
                value = Decimal(str(value))
            current = getattr(town, attribute)
            if current in (None, ""):
                setattr(town, attribute, value)
                changed.append(attribute)
            elif _value_differs(current, value):
                result.warnings.append(
                    _("Ort %(town)s: %(field)s bleibt %(old)s (Datei: %(new)s)")
                    % {"town": town.name, "field": attribute, "old": current, "new": value}
                )
        if town.pk is None or changed:
            town.full_clean(validate_unique=town.pk is None)
            town.save()
        self._towns[key] = town
        return town

    def theme(self, name):
        key = name.lower()
        if key not in self._themes:
            theme = Theme.objects.filter(name__iexact=name).first()
            if theme is None:
                theme = Theme(name=name)
                theme.save()
            self._themes[key] = theme
        return self._themes[key]

    def programme(self, name):
        key = name.lower()
        if key not in self._programmes:
            programme = FundingProgramme.objects.filter(name__iexact=name).first()
            self._programmes[key] = programme or FundingProgramme.objects.create(name=name)
        return self._programmes[key]

    def organisation(self, name):
        key = name.lower()
        if key not in self._organisations:
            organisation = Organisation.objects.filter(name__iexact=name).first()
            self._organisations[key] = organisation or Organisation.objects.create(name=name)
        return self._organisations[key]

    def contact(self, data):
        organisation = self.organisation(data["organisation"]) if data["organisation"] else None
        contact, _created = Contact.objects.get_or_create(
            name=data["name"],
            function=data["function"],
            organisation=organisation,
            email=data["email"],
            defaults={"phone": data["phone"], "is_public": data["public"]},
        )
        if contact.phone != data["phone"] or contact.is_public != data["public"]:
            contact.phone = data["phone"]
            contact.is_public = data["public"]
            contact.save()
        return contact


def _value_differs(current, value):
    try:
        return float(current) != float(value)
    except (TypeError, ValueError):
        return str(current) != str(value)
