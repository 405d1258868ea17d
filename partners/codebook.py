"""The one list of fields a case has outside this site.

CSV export, JSON export, the Wagtail API endpoint /api/v2/faelle/, its OpenAPI document and
the codebook page are all built from :data:`FIELDS`, so names, types and meanings cannot
drift apart. Add a field here and it appears everywhere at once.

Types: ``integer``, ``string``, ``url``, ``date`` (ISO 8601), ``datetime`` (ISO 8601 with
offset), ``string[]`` and ``object[]`` (with ``items``: the fields of each object). Nullable
fields are ``null`` (JSON) or empty (CSV) when unknown; strings are never null but may be
empty.
"""

import json
from dataclasses import dataclass, field
from html import unescape as unescape_entities

from django.db.models import Prefetch
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.images import get_image_model

from casestudies.models import BudgetRange, CaseContact, CaseTown, Scope, Status, Theme
from core.csvsafe import escape_cell
from core.geo import SizeClass, State
from core.links import absolute_page_url, absolute_url

IMAGE_SPEC = "max-1200x1200"


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    get: object = None
    nullable: bool = False
    values: object = None  # enumerated values: a dict or a callable returning one
    items: tuple = field(default_factory=tuple)  # sub-fields of object[] fields

    def value(self, case, request):
        return self.get(case, request)

    def enumeration(self):
        values = self.values() if callable(self.values) else self.values
        return {str(key): str(label) for key, label in (values or {}).items()}

    def as_dict(self):
        data = {
            "name": self.name,
            "type": self.type,
            "nullable": self.nullable,
            "description": str(self.description),
        }
        enumeration = self.enumeration()
        if enumeration:
            data["values"] = enumeration
        if self.items:
            data["items"] = [item.as_dict() for item in self.items]
        return data


def _plain(html):
    return unescape_entities(strip_tags(html or "")).strip()


def _iso(value):
    return value.isoformat() if value else None


def _image_url(case, request):
    if not case.image_id:
        return None
    rendition = case.image.get_rendition(IMAGE_SPEC)
    return absolute_url(rendition.url, request)


def _towns(case, request):
    return [
        {
            "name": link.town.name,
            "role": link.role,
            "state": link.town.state,
            "county": link.town.county,
            "population": link.town.population,
            "size_class": link.town.size_class or None,
            "ags": link.town.ags,
            "latitude": float(link.town.latitude) if link.town.latitude is not None else None,
            "longitude": float(link.town.longitude) if link.town.longitude is not None else None,
        }
        for link in case.case_towns.all()
    ]


def _contacts(case, request):
    """Role mailboxes always; a person's name, phone and email only with their consent."""
    contacts = []
    for link in case.case_contacts.all():
        contact = link.contact
        contacts.append(
            {
                "name": contact.public_name,
                "function": contact.function,
                "organisation": contact.organisation.name if contact.organisation else "",
                "phone": contact.public_phone,
                "email": contact.public_email,
            }
        )
    return contacts


def _unique(values):
    return list(dict.fromkeys(values))


def _theme_values():
    return dict(Theme.objects.values_list("slug", "name"))


def _text(name):
    return lambda case, request: getattr(case, name) or ""


TOWN_FIELDS = (
    Field("name", "string", _("Name der Gemeinde")),
    Field(
        "role",
        "string",
        _("Rolle im Fall"),
        values={"lead": _("federführend"), "partner": _("beteiligt")},
    ),
    Field("state", "string", _("Bundesland (Kürzel)"), values=dict(State.choices)),
    Field("county", "string", _("Landkreis")),
    Field("population", "integer", _("Einwohnerzahl"), nullable=True),
    Field(
        "size_class",
        "string",
        _("BBSR-Stadtgrößenklasse, aus der Einwohnerzahl abgeleitet"),
        nullable=True,
        values=dict(SizeClass.choices),
    ),
    Field("ags", "string", _("Amtlicher Gemeindeschlüssel (achtstellig), sofern bekannt")),
    Field("latitude", "number", _("Breitengrad (WGS 84)"), nullable=True),
    Field("longitude", "number", _("Längengrad (WGS 84)"), nullable=True),
)

CONTACT_FIELDS = (
    Field("name", "string", _("Name; leer bei Funktionspostfächern und ohne Einwilligung")),
    Field("function", "string", _("Funktion")),
    Field("organisation", "string", _("Organisation")),
    Field("phone", "string", _("Telefon; nur bei Funktionspostfächern oder mit Einwilligung")),
    Field("email", "string", _("E-Mail; nur bei Funktionspostfächern oder mit Einwilligung")),
)

FIELDS = (
    Field("id", "integer", _("Dauerhafte Kennung des Falls"), lambda c, r: c.pk),
    Field("slug", "string", _("Kurzform in der Adresse"), lambda c, r: c.slug),
    Field(
        "url",
        "url",
        _("Adresse der Fallseite"),
        lambda c, r: absolute_page_url(c, r),
    ),
    Field("title", "string", _("Titel"), lambda c, r: c.title),
    Field("summary", "string", _("Kurzfassung (höchstens 400 Zeichen)"), _text("summary")),
    Field(
        "image_url",
        "url",
        _("Titelbild, höchstens 1200 × 1200 Pixel"),
        _image_url,
        nullable=True,
    ),
    Field(
        "towns",
        "object[]",
        _("Beteiligte Orte, der federführende zuerst"),
        _towns,
        items=TOWN_FIELDS,
    ),
    Field(
        "states",
        "string[]",
        _("Bundesländer aller Orte (Kürzel)"),
        lambda c, r: _unique(link.town.state for link in c.case_towns.all()),
        values=dict(State.choices),
    ),
    Field(
        "size_classes",
        "string[]",
        _("Stadtgrößenklassen aller Orte"),
        lambda c, r: _unique(
            link.town.size_class for link in c.case_towns.all() if link.town.size_class
        ),
        values=dict(SizeClass.choices),
    ),
    Field("scope", "string", _("Reichweite"), lambda c, r: c.scope, values=dict(Scope.choices)),
    Field("status", "string", _("Stand"), lambda c, r: c.status, values=dict(Status.choices)),
    Field("period", "string", _("Zeitraum wie angegeben, z. B. „2021-2023“"), _text("period")),
    Field(
        "period_start_year",
        "integer",
        _("Beginn (Jahr)"),
        lambda c, r: c.period_start_year,
        nullable=True,
    ),
    Field(
        "period_end_year",
        "integer",
        _("Ende (Jahr); leer, solange der Fall läuft"),
        lambda c, r: c.period_end_year,
        nullable=True,
    ),
    Field(
        "themes",
        "string[]",
        _("Themen (Namen)"),
        lambda c, r: [theme.name for theme in c.themes.all()],
    ),
    Field(
        "theme_slugs",
        "string[]",
        _("Themen (Kurzformen, wie im Filter „thema“)"),
        lambda c, r: [theme.slug for theme in c.themes.all()],
        values=_theme_values,
    ),
    Field(
        "tags",
        "string[]",
        _("Freie Schlagwörter"),
        lambda c, r: sorted(item.tag.name for item in c.tagged_items.all()),
    ),
    Field(
        "funding_programmes",
        "string[]",
        _("Förderprogramme"),
        lambda c, r: [programme.name for programme in c.funding_programmes.all()],
    ),
    Field(
        "partners",
        "string[]",
        _("Partnerorganisationen"),
        lambda c, r: [organisation.name for organisation in c.partners.all()],
    ),
    Field(
        "project_website",
        "url",
        _("Website des Projekts"),
        lambda c, r: c.project_website or None,
        nullable=True,
    ),
    Field(
        "source_url",
        "url",
        _("Quelle der Angaben"),
        lambda c, r: c.source_url or None,
        nullable=True,
    ),
    Field(
        "lessons",
        "string",
        _("Was andere Städte lernen können (Text ohne Auszeichnung)"),
        lambda c, r: _plain(c.lessons),
    ),
    Field("transfer_staff", "string", _("Nachmachen: Personal"), _text("transfer_staff")),
    Field(
        "transfer_budget_range",
        "string",
        _("Nachmachen: Budgetrahmen"),
        lambda c, r: c.transfer_budget_range or None,
        nullable=True,
        values=dict(BudgetRange.choices),
    ),
    Field("transfer_budget", "string", _("Nachmachen: Kosten"), _text("transfer_budget")),
    Field(
        "transfer_funding_rate",
        "string",
        _("Nachmachen: Förderquote"),
        _text("transfer_funding_rate"),
    ),
    Field("transfer_duration", "string", _("Nachmachen: Zeitbedarf"), _text("transfer_duration")),
    Field(
        "transfer_decisions",
        "string",
        _("Nachmachen: rechtliche Grundlagen und Ratsbeschlüsse"),
        _text("transfer_decisions"),
    ),
    Field(
        "transfer_partners",
        "string",
        _("Nachmachen: benötigte Partner"),
        _text("transfer_partners"),
    ),
    Field(
        "transfer_pitfalls", "string", _("Nachmachen: Stolpersteine"), _text("transfer_pitfalls")
    ),
    Field(
        "contacts",
        "object[]",
        _("Ansprechpartner; personenbezogene Angaben nur mit Einwilligung"),
        _contacts,
        items=CONTACT_FIELDS,
    ),
    Field(
        "last_checked",
        "date",
        _("Wann die Redaktion die Angaben zuletzt geprüft hat"),
        lambda c, r: _iso(c.last_checked),
        nullable=True,
    ),
    Field(
        "first_published_at",
        "datetime",
        _("Erstveröffentlichung"),
        lambda c, r: _iso(c.first_published_at),
        nullable=True,
    ),
    Field(
        "last_published_at",
        "datetime",
        _("Letzte Aktualisierung"),
        lambda c, r: _iso(c.last_published_at),
        nullable=True,
    ),
)

FIELD_NAMES = [f.name for f in FIELDS]


def with_record_data(queryset):
    """Prefetch everything a record reads, so a whole export costs a fixed number of
    queries."""
    return queryset.defer_streamfields().prefetch_related(
        Prefetch("case_towns", queryset=CaseTown.objects.select_related("town")),
        Prefetch(
            "case_contacts", queryset=CaseContact.objects.select_related("contact__organisation")
        ),
        Prefetch("image", queryset=get_image_model().objects.prefetch_renditions(IMAGE_SPEC)),
        "themes",
        "tagged_items__tag",
        "funding_programmes",
        "partners",
    )


def record(case, request):
    """The case as a dict of codebook fields, in codebook order."""
    return {f.name: f.value(case, request) for f in FIELDS}


def csv_cell(codebook_field, value):
    """How a value is written to CSV: lists of strings joined by "; ", lists of objects as
    JSON, null as an empty cell; text that a spreadsheet would run as a formula escaped
    (core.csvsafe), numbers as they are."""
    if value is None:
        return ""
    if codebook_field.type == "string[]":
        return escape_cell("; ".join(value))
    if codebook_field.type == "object[]":
        return escape_cell(json.dumps(value, ensure_ascii=False)) if value else ""
    if codebook_field.type in ("integer", "number"):
        return str(value)
    return escape_cell(str(value))


def as_dict():
    return {
        "title": str(_("Codebuch der Praxisfälle")),
        "description": str(
            _(
                "Alle Felder eines Praxisfalls, wie sie der CSV- und JSON-Export und die "
                "API unter /api/v2/faelle/ liefern."
            )
        ),
        "csv": str(
            _(
                "CSV: UTF-8 mit BOM, Komma als Trenner (mit ?format=excel Semikolon), eine "
                "Zeile je Fall, Spalten in dieser Reihenfolge. Listen von Texten durch „; “ "
                "getrennt, Listen von Objekten als JSON, fehlende Werte als leere Zelle. Text, "
                "der mit =, +, -, @ beginnt, steht mit einem vorangestellten ' in der Zelle. "
                "XLSX: dieselben Spalten, Zahlen als Zahlen, alles andere als Text."
            )
        ),
        "fields": [f.as_dict() for f in FIELDS],
    }


def json_schema(f=None):
    """A JSON Schema (OpenAPI 3.1) for a codebook field, or for a whole record."""
    if f is None:
        return {
            "type": "object",
            "required": FIELD_NAMES,
            "properties": {item.name: json_schema(item) for item in FIELDS},
        }
    base = {
        "integer": {"type": "integer"},
        "number": {"type": "number"},
        "string": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "date": {"type": "string", "format": "date"},
        "datetime": {"type": "string", "format": "date-time"},
        "string[]": {"type": "array", "items": {"type": "string"}},
        "object[]": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [item.name for item in f.items],
                "properties": {item.name: json_schema(item) for item in f.items},
            },
        },
    }[f.type]
    schema = dict(base, description=str(f.description))
    enumeration = f.enumeration() if not callable(f.values) else {}
    if enumeration and f.type == "string":
        schema["enum"] = list(enumeration)
    if f.nullable:
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"].append(None)
    return schema
