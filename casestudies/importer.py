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

import openpyxl
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from wagtail.images import get_image_model
from wagtail.log_actions import log
from wagtail.models import Page, ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from core import uploads as limits
from core.geo import parse_state
from core.richtext import clean_rich_text, clean_stream_data

from .completeness import CORE_FACTS, check_values
from .matching import RecordProblem, ReferenceResolver
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
    Theme,
    Town,
)
from .periods import read_period
from .search_batch import deferred_search_updates
from .vocabulary import status_for, unknown_status_message

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
TOWN_KEYS = ("name", "state", "population", "ags", "role", "lat", "lon", "note")
CONTACT_KEYS = ("name", "function", "organisation", "phone", "email", "public")
KNOWN_KEYS = {
    "title",
    "slug",
    "scope",
    "period",
    "period_note",
    "funding_note",
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
    # Full-library exports (``transfer.library``) carry what the plain text format cannot.
    "section",
    "story",
    "lessons_html",
    "image",
    "seo_title",
    "search_description",
    "live",
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


@dataclass
class RowError:
    """One problem of one record: its number in the file (1 = first record), its slug (or
    title), the field and the message."""

    number: int
    name: str
    field: str
    message: str

    def __str__(self):
        label = (
            _("Datensatz %(n)d („%(name)s“)") % {"n": self.number, "name": self.name[:80]}
            if self.name
            else _("Datensatz %d") % self.number
        )
        field_part = _("Feld „%s“: ") % self.field if self.field else ""
        return f"{label}: {field_part}{self.message}"

    def as_dict(self):
        return {
            "number": self.number,
            "name": self.name,
            "field": self.field,
            "message": str(self.message),
        }


class ImportFailed(Exception):
    """The file cannot be imported; ``errors`` lists every problem found (as text),
    ``rows`` the same problems as ``RowError`` where they belong to a record."""

    def __init__(self, errors, rows=None):
        errors = [str(error) for error in errors]
        super().__init__("\n".join(errors))
        self.errors = errors
        self.rows = rows or []


@dataclass
class ImportResult:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    # Slugs saved as a draft (the user may not publish, or the record says live: false).
    drafts: list = field(default_factory=list)
    # Reference data the import creates: kind ("themes", "towns", "funding", "partners")
    # -> names, in order of first use.
    new_entries: dict = field(default_factory=dict)


class Action:
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass
class RowPlan:
    """What importing one valid record would do; nothing is written to make it."""

    number: int
    record: dict
    action: str
    changed: list = field(default_factory=list)  # field names, for Action.CHANGED
    publish: bool = True
    page: object = None  # the existing page, for CHANGED and UNCHANGED
    parent: object = None  # where a new page goes, or where an existing one moves
    missing: list = field(default_factory=list)  # core facts lacking: saved as a draft
    warnings: list = field(default_factory=list)  # RowError: read, but worth a look
    new_entries: list = field(default_factory=list)  # (kind, name) the record creates

    @property
    def slug(self):
        return self.record["slug"]


# ---------------------------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------------------------


def read_records(path):
    """Read a JSON (array of objects, or {"cases": [...]}), CSV or XLSX file into a list of
    dicts."""
    path = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ImportFailed([_("Datei kann nicht gelesen werden: %s") % error]) from error
    return parse_file(path, data)


FORMATS = {".json": "json", ".csv": "csv", ".xlsx": "xlsx"}


def file_format(name):
    """ "json", "csv" or "xlsx" by the file name's ending, or None."""
    lowered = str(name).lower()
    for ending, kind in FORMATS.items():
        if lowered.endswith(ending):
            return kind
    return None


def parse_file(name, data):
    """Parse the bytes of an uploaded or read file by its name's ending (JSON by default)."""
    kind = file_format(name) or "json"
    if kind == "xlsx":
        return parse_xlsx(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFailed([_("Die Datei ist nicht UTF-8-kodiert: %s") % error]) from error
    if kind == "csv":
        return parse_csv(text)
    return parse_json(text)


def parse_json(text):
    try:
        data = limits.loads_json(text, json)
    except limits.LimitExceeded as error:
        raise ImportFailed([str(error)]) from None
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
    try:
        for row in reader:
            if None in row:
                raise ImportFailed(
                    [_("CSV-Zeile %d hat mehr Werte als Spalten.") % (reader.line_num)]
                )
            records.append(_row_to_record(row))
            limits.check_record_count(len(records))
    except csv.Error as error:  # a field over csv.field_size_limit(), a stray NUL byte
        raise ImportFailed(
            [_("CSV-Zeile %(n)d: %(msg)s") % {"n": reader.line_num, "msg": error}]
        ) from None
    except limits.LimitExceeded as error:
        raise ImportFailed([str(error)]) from None
    return records


def parse_xlsx(data):
    """The first worksheet of an Excel file: a header row with the record keys, then one row
    per case, read like CSV."""
    try:
        limits.check_archive(data)
    except limits.LimitExceeded as error:
        raise ImportFailed([str(error)]) from None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ImportFailed([_("Die Excel-Datei kann nicht gelesen werden: %s") % error]) from error
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            return []
        keys = [str(key).strip() if key is not None else "" for key in header]
        records = []
        for number, values in enumerate(rows, start=2):
            if all(value in (None, "") for value in values):
                continue
            if len(values) > len(keys) or any(
                not key and value not in (None, "")
                for key, value in zip(keys, values, strict=False)
            ):
                raise ImportFailed([_("Excel-Zeile %d hat Werte ohne Spaltennamen.") % number])
            cells = {
                key: _cell_text(value) for key, value in zip(keys, values, strict=False) if key
            }
            try:
                for value in cells.values():
                    limits.check_cell(value, _("Excel-Zeile %d") % number)
                limits.check_record_count(len(records) + 1)
            except limits.LimitExceeded as error:
                raise ImportFailed([str(error)]) from None
            records.append(_row_to_record(cells))
        return records
    finally:
        workbook.close()


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _row_to_record(row):
    record = {}
    for key, value in row.items():
        key = key.strip()
        value = (value or "").strip()
        if value == "":
            continue
        if key in LIST_FIELDS:
            record[key] = [item.strip() for item in value.split(";") if item.strip()]
        elif key in ("towns", "contacts", "transfer", "story", "image"):
            try:
                record[key] = json.loads(value)
            except json.JSONDecodeError:
                record[key] = value  # reported by validation with the record's name
        else:
            record[key] = value
    return record


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
    try:
        note = _text(raw, "note", CaseTown._meta.get_field("note").max_length) or ""
    except RecordError as error:
        raise RecordError(f"{key}.note", error.message) from error
    return {
        "name": name,
        "state": state,
        "population": _integer(raw.get("population"), f"{key}.population"),
        "ags": ags,
        "role": role,
        "lat": _coordinate(raw.get("lat"), f"{key}.lat", 90),
        "lon": _coordinate(raw.get("lon"), f"{key}.lon", 180),
        "note": note,
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


def normalise_record(raw, warnings=None):
    """Validate one raw record; return the normalised record (only the keys it sets).
    What a person would still call valid but is worth a look (a period without a readable
    year) is appended to ``warnings`` as ``(field, message)``."""
    if not isinstance(raw, dict):
        raise RecordError("", _("erwartet ein Objekt"))
    unknown = set(raw) - KNOWN_KEYS
    if unknown:
        raise RecordError(sorted(unknown)[0], _("unbekanntes Feld"))
    warnings = [] if warnings is None else warnings
    record = _normalise_title_and_slug(raw)
    _normalise_texts(raw, record)
    _normalise_facts(raw, record, warnings)
    _normalise_towns(raw, record)
    _normalise_contacts(raw, record)
    _normalise_transfer(raw, record)
    _normalise_full_fields(raw, record)
    return record


def _normalise_title_and_slug(raw):
    title = _text(raw, "title", 255)
    if not title:
        raise RecordError("title", _("fehlt (Pflichtfeld)"))
    slug = _text(raw, "slug", 255)
    if slug is not None and slug != german_slugify(slug):
        raise RecordError("slug", _("„%s“ darf nur a-z, 0-9 und Bindestriche enthalten") % slug)
    slug = slug or german_slugify(title)
    if not slug:
        raise RecordError("slug", _("lässt sich aus dem Titel nicht bilden"))
    return {"title": title, "slug": slug}


def _normalise_texts(raw, record):
    """Text sections, list fields, addresses and the free-text notes."""
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
    value = _text(raw, "funding_note")
    if value is not None:
        record["funding_note"] = value


def _normalise_facts(raw, record, warnings):
    """Scope, status, period, last check and the featured flag."""
    scope = _choice(raw.get("scope"), "scope", Scope.values)
    if scope:
        record["scope"] = scope
    status = _status(raw.get("status"))
    if status:
        record["status"] = status
    if "period" in raw or "period_note" in raw:
        _normalise_period(raw, record, warnings)
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


def _status(value):
    """The status value for a partner's word (casestudies.vocabulary.STATUS_WORDS)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise RecordError("status", _("erwartet einen Text"))
    status = status_for(value)
    if status is None:
        raise RecordError("status", unknown_status_message(value.strip()))
    return str(status)


def _normalise_period(raw, record, warnings):
    """The structured period and the original wording (casestudies.periods.read_period).
    An explicit ``period_note`` (as in our own exports) is kept as it is."""
    text = _text(raw, "period", 255) or ""
    try:
        reading = read_period(text)
    except ValidationError as error:
        raise RecordError("period", error.messages[0]) from None
    if reading.warning:
        warnings.append(("period", reading.warning))
    record["period"] = str(reading.period)
    note = _text(raw, "period_note", 255)
    record["period_note"] = note if note is not None else reading.note


def _normalise_towns(raw, record):
    """Towns: a list, or the shorthand town/state/population/ags."""
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


def _normalise_contacts(raw, record):
    if "contacts" in raw:
        contacts = raw["contacts"]
        if not isinstance(contacts, list):
            raise RecordError("contacts", _("erwartet eine Liste von Kontakten"))
        record["contacts"] = [_contact(c, f"contacts[{i}]") for i, c in enumerate(contacts)]


def _normalise_transfer(raw, record):
    """The transfer facts, as a ``transfer`` object or as ``transfer_*`` columns."""
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


def _normalise_full_fields(raw, record):
    """The keys of a full-library export: section, raw story and lessons, image, promote
    fields and the live flag."""
    if "section" in raw:
        section = _text(raw, "section", 255) or ""
        if section != german_slugify(section):
            raise RecordError("section", _("„%s“ ist kein gültiger slug") % section)
        record["section"] = section
    for key, max_length in (("seo_title", 255), ("search_description", None)):
        value = _text(raw, key, max_length)
        if value is not None:
            record[key] = value
    if raw.get("lessons_html") is not None:
        if "lessons" in raw:
            raise RecordError("lessons_html", _("entweder „lessons“ oder „lessons_html“"))
        record["lessons_html"] = clean_imported_lessons(_text(raw, "lessons_html"))
    if raw.get("story") is not None:
        if any(key in raw for key in (*SECTION_FIELDS, "body")):
            raise RecordError("story", _("entweder „story“ oder die Textabschnitte angeben"))
        story = raw["story"]
        if isinstance(story, str):
            try:
                story = json.loads(story)
            except json.JSONDecodeError:
                raise RecordError("story", _("ist kein gültiges JSON")) from None
        if not isinstance(story, list):
            raise RecordError("story", _("erwartet eine Liste von Blöcken"))
        block = CasePage._meta.get_field("body").stream_block
        try:
            value = block.to_python(story)
            block.clean(value)
        except ValidationError as error:
            raise RecordError("story", "; ".join(error.messages)) from None
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise RecordError("story", _("ungültiger Block: %s") % error) from None
        record["story"] = clean_imported_story(block, block.get_prep_value(value))
    if raw.get("image") not in (None, ""):
        image = raw["image"]
        if isinstance(image, int | str) and not isinstance(image, bool):
            image = {"id": image} if str(image).isdigit() else {"title": str(image)}
        if not isinstance(image, dict) or not (image.get("id") or image.get("title")):
            raise RecordError("image", _("erwartet {id, title}"))
        record["image"] = {
            "id": _integer(image.get("id"), "image.id"),
            "title": str(image.get("title") or ""),
        }
    if "live" in raw:
        live = raw["live"]
        if isinstance(live, str):
            live = live.strip().lower() in {"1", "true", "ja", "yes"}
        record["live"] = bool(live)


def validate_records(raw_records):
    """Normalise every record; raise ImportFailed naming each bad record and field."""
    records, rows = check_records(raw_records)
    if rows:
        raise ImportFailed(rows, rows=rows)
    return [record for _number, record in records]


def check_records(raw_records, first_number=1, warnings=None):
    """Normalise every record. Returns ``([(number, record), ...], [RowError, ...])``; what a
    person would still call valid is appended to ``warnings`` as RowError."""
    records, rows, slugs = [], [], {}
    for number, raw in enumerate(raw_records, start=first_number):
        name = _name(raw)
        notes = []
        try:
            record = normalise_record(raw, notes)
        except RecordError as error:
            rows.append(RowError(number, name, error.field_name, error.message))
            continue
        if record["slug"] in slugs:
            rows.append(
                RowError(
                    number,
                    name,
                    "slug",
                    _("„%(slug)s“ steht schon in Datensatz %(other)d")
                    % {"slug": record["slug"], "other": slugs[record["slug"]]},
                )
            )
            continue
        slugs[record["slug"]] = number
        records.append((number, record))
        if warnings is not None:
            warnings.extend(RowError(number, record["slug"], f, message) for f, message in notes)
    return records, rows


def _name(raw):
    if isinstance(raw, dict):
        return str(raw.get("slug") or raw.get("title") or "")
    return ""


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


def clean_imported_lessons(html):
    """Imported rich text passes the editor's whitelist (core.richtext): no scripts, frames
    or event handlers reach the site or the API."""
    return clean_rich_text(html, CasePage._meta.get_field("lessons").features)


def clean_imported_story(block, data):
    """The rich text in an imported story, cleaned as :func:`clean_imported_lessons`."""
    return clean_stream_data(block, data)


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
        if block.block_type == "paragraph":
            # Text at the top level of the story (no section): the free "body" text.
            text = html_to_text(getattr(block.value, "source", block.value))
            texts["body"] = "\n\n".join(filter(None, [texts.get("body", ""), text]))
            continue
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


def export_record(page, section=""):
    """The record for a case page, in the import format. ``section`` is the slug of the
    page's parent when that is not the library."""
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
                "note": link.note,
            }
            for link in page.case_towns.all()
        ],
        "scope": page.scope,
        "themes": [theme.name for theme in page.themes.all()],
        "tags": sorted(tag.name for tag in page.tags.all()),
        "period": page.period,
        "period_note": page.period_note,
        "status": page.status,
        "funding": [programme.name for programme in page.funding_programmes.all()],
        "funding_note": page.funding_note,
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
    if section:
        record["section"] = section
    return record


def export_full_record(page, section=""):
    """The record with everything of the page: the story and lessons as stored (headings,
    quotes, images, videos, links), the title image, promote fields and the live flag,
    instead of the plain text sections."""
    record = export_record(page, section)
    for key in (*SECTION_FIELDS, "body", "lessons"):
        del record[key]
    record["story"] = _story(page)
    record["lessons_html"] = page.lessons or ""
    record["image"] = {"id": page.image_id, "title": page.image.title} if page.image_id else None
    record["seo_title"] = page.seo_title
    record["search_description"] = page.search_description
    record["live"] = page.live
    return record


def _story(page):
    return page.body.get_prep_value()


def section_slugs(library):
    """Tree path of each child page of the library -> its slug."""
    return {
        page.path: page.slug
        for page in Page.objects.child_of(library).not_type(CasePage).only("path", "slug")
    }


def page_section(page, library, sections):
    """The section slug of a page ("" when its parent is the library)."""
    parent_path = page.path[: -Page.steplen]
    if parent_path == library.path:
        return ""
    return sections.get(parent_path, "")


def export_queryset(library=None):
    queryset = CasePage.objects.order_by("path")
    if library is not None:
        queryset = queryset.descendant_of(library)
    return queryset.select_related("image").prefetch_related(
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


def export_records(library=None, full=False):
    """All case records of a library (the first one by default), in tree order."""
    library = library or CaseLibraryPage.objects.order_by("path").first()
    if library is None:
        return []
    sections = section_slugs(library)
    build = export_full_record if full else export_record
    return [build(page, page_section(page, library, sections)) for page in export_queryset(library)]


def _comparable(record):
    """Normalise a record for comparison: order-insensitive lists, tags sorted, no None."""
    result = {}
    for key, value in record.items():
        if key in ("featured", "section", "live", *FULL_KEYS):
            continue
        if key in UNORDERED_FIELDS:
            value = sorted(value, key=str.lower)
        if key == "towns":
            value = [{k: v for k, v in town.items() if v not in (None, "")} for town in value]
        result[key] = value if value is not None else ""
    return result


FULL_KEYS = ("story", "lessons_html", "image", "seo_title", "search_description")


def changed_fields(page, record, section=""):
    """The fields of the record whose values differ from the page's (in record order)."""
    current = _comparable(export_record(page))
    changed = []
    for key, value in _comparable(record).items():
        if key == "towns":
            # Town facts the page already has count as equal if the record leaves them out.
            compared = ("name", "state", "role", "note")
            mine = [{k: v for k, v in t.items() if k in compared} for t in current["towns"]]
            theirs = [{k: v for k, v in t.items() if k in compared} for t in value]
            if mine != theirs:
                changed.append(key)
        elif key in UNORDERED_FIELDS:
            if [t.lower() for t in current.get(key, [])] != [t.lower() for t in value]:
                changed.append(key)
        elif current.get(key, "") != value:
            changed.append(key)
    if "section" in record and record["section"] != section:
        changed.append("section")
    if "story" in record and _canonical(record["story"]) != _canonical(_story(page)):
        changed.append("story")
    if "lessons_html" in record and record["lessons_html"] != (page.lessons or ""):
        changed.append("lessons_html")
    for key in ("seo_title", "search_description"):
        if key in record and record[key] != (getattr(page, key) or ""):
            changed.append(key)
    if "image" in record and record["image"].get("resolved") != page.image_id:
        changed.append("image")
    return changed


def _canonical(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

LOG_ACTION = "praxisatlas.import"


def missing_core_facts(record, current=None):
    """The core facts (casestudies.completeness) a case would lack after importing
    ``record`` over ``current`` (the page as it is, or None for a new case)."""
    values = {}
    for name in CORE_FACTS:
        key = "towns" if name == "case_towns" else name
        if name == "period" and ("period" in record or "period_note" in record):
            # A period without a readable year still says when: its wording is the note.
            values[name] = record.get("period") or record.get("period_note")
        elif key in record:
            values[name] = record[key]
        elif current is None:
            values[name] = None
        elif name == "case_towns":
            values[name] = len(current.case_towns.all())
        elif name == "themes":
            values[name] = len(current.themes.all())
        elif name == "period":
            values[name] = current.period or current.period_note
        else:
            values[name] = getattr(current, name)
    return [label for _field, label in check_values(values).missing]


class CaseImporter:
    """Plan and write an import. With a ``user``, every record is checked against Wagtail's
    page permissions: creating needs "add" on the parent, updating "edit" on the page, and a
    user who may not publish gets a draft revision (submitted to the page's workflow, if it
    has one). Without a user (the command line) everything is allowed."""

    def __init__(self, library=None, user=None, source=""):
        self.library = library or CaseLibraryPage.objects.order_by("path").first()
        self.user = user
        self.source = source  # the file name, for the page history
        self.log_data = {}  # extra data for the page history (e.g. the import's id)
        self._towns = {}
        self._themes = {}
        self._programmes = {}
        self._organisations = {}

    def may_create_themes(self):
        """The command line may; a person only with the permission "import_new_themes"
        (a group setting: editorial.setup gives it to Moderation and Administration)."""
        return self.user is None or self.user.has_perm("casestudies.import_new_themes")

    def run(self, raw_records, dry_run=False, progress=None):
        """Validate and import; raise ImportFailed (with nothing written) on any error."""
        plans = self.plan(raw_records)
        result = ImportResult()
        for plan in plans:
            result.warnings.extend(str(warning) for warning in plan.warnings)
            for kind, name in plan.new_entries:
                result.new_entries.setdefault(kind, []).append(name)
        if dry_run:
            for plan in plans:
                {
                    Action.NEW: result.created,
                    Action.CHANGED: result.updated,
                    Action.UNCHANGED: result.unchanged,
                }[plan.action].append(plan.slug)
            return result
        self.write(plans, result, progress=progress)
        return result

    def plan(self, raw_records):
        """The plan of every record; raise ImportFailed listing every bad record."""
        plans, rows = self.check(raw_records)
        if rows:
            raise ImportFailed(rows, rows=rows)
        return plans

    def check(self, raw_records, first_number=1):
        """Validate all records, find their pages and parents, check permissions and work out
        what each would change. Writes nothing. Returns ``(plans, row_errors)``."""
        if self.library is None:
            raise ImportFailed(
                [_("Es gibt noch keine Fallbibliothek, unter der Fälle angelegt werden können.")]
            )
        warnings = []
        records, rows = check_records(raw_records, first_number, warnings)
        records = self._resolve(records, rows, warnings)
        existing = {}
        slugs = [record["slug"] for _number, record in records]
        for page in CasePage.objects.descendant_of(self.library).filter(slug__in=slugs):
            existing.setdefault(page.slug, []).append(page)
        sections = {
            page.slug: page for page in Page.objects.child_of(self.library).not_type(CasePage)
        }
        paths = {page.path: slug for slug, page in sections.items()}
        plans = []
        for number, record in records:
            new_entries = record.pop("_new", [])
            try:
                plan = self._plan(number, record, existing, sections, paths)
            except RecordError as error:
                rows.append(RowError(number, record["slug"], error.field_name, error.message))
                continue
            plan.warnings = [warning for warning in warnings if warning.number == number]
            plan.new_entries = new_entries
            plans.append(plan)
        rows.sort(key=lambda row: row.number)
        return plans, rows

    def _resolve(self, records, rows, warnings):
        """Match the records' reference names to existing entries (casestudies.matching);
        each record remembers under ``_new`` the entries it is the first to name."""
        resolver = ReferenceResolver(may_create_themes=self.may_create_themes())
        resolved = []
        for number, record in records:
            before = {kind: len(names) for kind, names in resolver.new.items()}
            try:
                messages = resolver.resolve(record)
            except RecordProblem as problem:
                rows.append(RowError(number, record["slug"], problem.field_name, problem.message))
                continue
            warnings.extend(RowError(number, record["slug"], "", m) for m in messages)
            record["_new"] = [
                (kind, name)
                for kind, names in resolver.new.items()
                for name in names[before[kind] :]
            ]
            resolved.append((number, record))
        return resolved

    def _plan(self, number, record, existing, sections, paths):
        pages = existing.get(record["slug"], [])
        if len(pages) > 1:
            raise RecordError(
                "slug", _("mehrere Fälle der Bibliothek haben den slug „%s“") % record["slug"]
            )
        page = pages[0] if pages else None
        parent = None
        if "section" in record:
            parent = sections.get(record["section"]) if record["section"] else self.library
            if parent is None:
                raise RecordError(
                    "section",
                    _("Die Fallbibliothek hat keinen Bereich „%s“") % record["section"],
                )
            if not CasePage.can_create_at(parent):
                raise RecordError(
                    "section", _("Unter „%s“ können keine Praxisfälle liegen") % parent.title
                )
        current_section = ""
        if page is not None:
            parent_path = page.path[: -Page.steplen]
            current_section = "" if parent_path == self.library.path else paths.get(parent_path)
            if parent is not None and parent.path == parent_path:
                parent = None  # stays where it is
        else:
            parent = parent or self.library
            if not record.get("summary"):
                # Caught here, not by the page's full_clean() halfway through the import.
                raise RecordError("summary", _("fehlt (Pflichtfeld für neue Fälle)"))
        if "image" in record:
            record["image"]["resolved"] = self.image_id(record["image"])

        may_publish = self._may_publish(record, page, parent)
        plan = RowPlan(
            number=number,
            record=record,
            action=Action.NEW,
            publish=may_publish and record.get("live", True),
            page=page,
            parent=parent,
        )
        current = None
        if page is not None:
            current = page.get_latest_revision_as_object() if page.has_unpublished_changes else page
            plan.changed = changed_fields(current, record, current_section)
            plan.action = Action.CHANGED if plan.changed else Action.UNCHANGED
        if self.user is not None and plan.publish and plan.action != Action.UNCHANGED:
            # A person's import publishes only complete cases (CasePage.publish refuses the
            # rest): the others become drafts, and the dry run says what they lack.
            plan.missing = [str(label) for label in missing_core_facts(record, current)]
            plan.publish = not plan.missing
        return plan

    def _may_publish(self, record, page, parent):
        """Whether the importing person may publish this case; RecordError if they may not
        create, edit or move it at all. Without a person (a command) everything is allowed."""
        if self.user is None:
            return True
        if page is None:
            permissions = parent.permissions_for_user(self.user)
            if not permissions.can_add_subpage():
                raise RecordError(
                    "section" if record.get("section") else "",
                    _("keine Berechtigung, unter „%s“ Fälle anzulegen") % parent.title,
                )
            return permissions.can_publish_subpage()
        permissions = page.permissions_for_user(self.user)
        if not permissions.can_edit():
            raise RecordError("", _("keine Berechtigung, den Fall „%s“ zu bearbeiten") % page.title)
        if parent is not None and not permissions.can_move_to(parent):
            raise RecordError(
                "section",
                _("keine Berechtigung, den Fall nach „%s“ zu verschieben") % parent.title,
            )
        return permissions.can_publish()

    def write(self, plans, result, progress=None):
        """Write planned records in one transaction; on an error nothing stays written."""
        touched = []
        try:
            # The reference index and the search entries are brought up to date once per
            # page at the end, not on each of the several saves a page takes.
            with (
                transaction.atomic(),
                disable_reference_index_auto_update(),
                deferred_search_updates(),
            ):
                for done, plan in enumerate(plans, start=1):
                    try:
                        touched.append(self.write_one(plan, result))
                    except (ValidationError, ValueError) as error:
                        messages = getattr(error, "messages", [str(error)])
                        row = RowError(plan.number, plan.slug, "", "; ".join(messages))
                        raise ImportFailed([row], rows=[row]) from error
                    if progress:
                        progress(done, len(plans))
                for page in touched:
                    if page is not None:
                        ReferenceIndex.create_or_update_for_object(page)
        except Exception:
            # Rolled back: cached reference data may name rows that no longer exist.
            self._forget()
            raise

    def _forget(self):
        self._towns.clear()
        self._themes.clear()
        self._programmes.clear()
        self._organisations.clear()

    def write_one(self, plan, result):
        record = plan.record
        if plan.action == Action.UNCHANGED:
            result.unchanged.append(plan.slug)
            return None
        if plan.page is not None:
            if plan.parent is not None:
                plan.page.move(plan.parent, pos="last-child", user=self.user)
            page = CasePage.objects.get(pk=plan.page.pk).get_latest_revision_as_object()
        else:
            page = CasePage(title=record["title"], slug=record["slug"], live=False)
            if self.user is not None:
                page.owner = self.user
        self.apply(page, record, result)
        if plan.page is None:
            plan.parent.add_child(instance=page)
        revision = page.save_revision(user=self.user, log_action=True)
        if plan.publish:
            revision.publish(user=self.user)
        else:
            result.drafts.append(plan.slug)
            workflow = page.get_workflow()
            if (
                workflow is not None
                and record.get("live", True)
                and not plan.missing  # incomplete: stays a draft for the editors
                and not page.workflow_in_progress
                and self.user is not None
            ):
                workflow.start(page, self.user)
        log(
            instance=page,
            action=LOG_ACTION,
            user=self.user,
            data={
                "file": self.source,
                "action": plan.action,
                "fields": plan.changed,
                "published": plan.publish,
                **self.log_data,
            },
        )
        (result.created if plan.action == Action.NEW else result.updated).append(plan.slug)
        return page

    def image_id(self, reference):
        """The id of the image a record names: by id when its title matches (or no title is
        given), otherwise by title; None when there is no such image."""
        images = get_image_model().objects
        if reference.get("id"):
            image = images.filter(pk=reference["id"]).first()
            if image is not None and (not reference["title"] or image.title == reference["title"]):
                return image.pk
        if reference.get("title"):
            image = images.filter(title=reference["title"]).order_by("pk").first()
            if image is not None:
                return image.pk
        return None

    # long: every field of a record written onto the page, in the order of the codebook
    def apply(self, page, record, result):
        page.title = record["title"]
        for key in (
            "summary",
            "scope",
            "status",
            "period",
            "project_website",
            "source_url",
            "seo_title",
            "search_description",
            "period_note",
            "funding_note",
        ):
            if key in record:
                setattr(page, key, record[key])
        for key in TRANSFER_FIELDS.values():
            if key in record:
                setattr(page, key, record[key])
        if "lessons" in record:
            page.lessons = text_to_html(record["lessons"])
        if "lessons_html" in record:
            page.lessons = record["lessons_html"]
        if "image" in record:
            page.image_id = record["image"].get("resolved")
            if page.image_id is None:
                result.warnings.append(
                    _("Fall %(slug)s: Bild „%(image)s“ nicht gefunden, ohne Titelbild importiert")
                    % {"slug": record["slug"], "image": record["image"]["title"]}
                )
        if "last_checked" in record:
            page.last_checked = datetime.date.fromisoformat(record["last_checked"])
        if "story" in record:
            page.body = record["story"]
        elif any(key in record for key in (*SECTION_FIELDS, "body")):
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
                CaseTown(
                    town=self.town(town, result),
                    role=town["role"],
                    note=town.get("note", ""),
                    sort_order=position,
                )
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
