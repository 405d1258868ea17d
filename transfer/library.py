"""The whole case library as one file, for backups and moves between installations.

``export_library()`` returns a dict (written as JSON) with the library page, its sections
(child pages that are not cases), all reference data (themes, organisations, funding
programmes, towns, contacts) and every case with all its fields: the story StreamField and
the lessons as stored, towns with roles, contacts, themes, tags, funding, partners, transfer
fields, title image (by id and title), promote fields, live flag and section.
``library_to_zip()`` writes the same as one CSV per model; ``zip_to_library()`` reads it
back. ``import_library()`` restores it through the regular importer: matched by slug and
natural keys, so importing twice changes nothing.

Not included: image and document files (the story refers to them by id, the title image by
id and title; copy the media and Wagtail's image/document tables along, or the title image is
matched by title), revision history, unpublished drafts (the live version is exported),
comments, workflow states, page permissions and groups, and the pages outside the library
that link to cases (guides, events, home page picks).
"""

import csv
import io
import json
import zipfile
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page, Site

from casestudies.importer import CaseImporter, ImportFailed, export_records
from casestudies.models import (
    CaseLibraryPage,
    CasePage,
    Contact,
    FundingProgramme,
    Organisation,
    Theme,
    Town,
)
from core.csvsafe import escape_cell, unescape_cell
from core.uploads import LimitExceeded, check_archive, loads_json

FORMAT = "praxisatlas-fallbibliothek"
VERSION = 1

# Columns of the CSV files that hold JSON (numbers, booleans, lists, objects); all others
# are text. An empty JSON cell is null.
JSON_COLUMNS = {
    "library": {"version", "live"},
    "sections": {"position", "live", "fields"},
    "themes": {"sort_order"},
    "organisations": set(),
    "funding_programmes": set(),
    "towns": {"population"},
    "contacts": {"public"},
    "cases": {
        "towns",
        "themes",
        "tags",
        "funding",
        "partners",
        "contacts",
        "story",
        "image",
        "live",
        "last_checked",
    },
}
TABLES = tuple(JSON_COLUMNS)


def _decimal(value):
    return str(value) if value is not None else None


def _section_fields(page):
    """The section page's own plain fields (not the Page fields, no relations)."""
    specific = page.specific
    return {
        field.attname: field.value_to_string(specific)
        for field in specific._meta.local_concrete_fields
        if not field.is_relation and not field.primary_key
    }


def export_library(library=None):
    library = library or CaseLibraryPage.objects.order_by("path").first()
    if library is None:
        raise ImportFailed([_("Es gibt keine Fallbibliothek.")])
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "library": {
            "title": library.title,
            "slug": library.slug,
            "intro": library.intro,
            "seo_title": library.seo_title,
            "search_description": library.search_description,
            "live": library.live,
        },
        "sections": _export_sections(library),
        **_export_reference_data(),
        "cases": export_records(library, full=True),
    }


def _export_sections(library):
    sections = Page.objects.child_of(library).not_type(CasePage).select_related("content_type")
    # A section's place among the library's children (cases and sections), to restore it.
    positions = {
        pk: index
        for index, pk in enumerate(
            Page.objects.child_of(library).order_by("path").values_list("pk", flat=True)
        )
    }
    return [
        {
            "slug": page.slug,
            "position": positions[page.pk],
            "title": page.title,
            "type": f"{page.content_type.app_label}.{page.content_type.model}",
            "live": page.live,
            "fields": _section_fields(page),
        }
        for page in sections
    ]


def _export_reference_data():
    """Themes, organisations, funding programmes, towns and contacts, in a stable order."""
    return {
        "themes": [
            {
                "name": theme.name,
                "slug": theme.slug,
                "summary": theme.summary,
                "description": theme.description,
                "sort_order": theme.sort_order,
            }
            for theme in Theme.objects.order_by("sort_order", "name")
        ],
        "organisations": [
            {
                "name": organisation.name,
                "short_name": organisation.short_name,
                "kind": organisation.kind,
                "website": organisation.website,
            }
            for organisation in Organisation.objects.order_by("name")
        ],
        "funding_programmes": [
            {
                "name": programme.name,
                "short_name": programme.short_name,
                "funder": programme.funder.name if programme.funder else "",
                "website": programme.website,
                "description": programme.description,
            }
            for programme in FundingProgramme.objects.select_related("funder").order_by("name")
        ],
        "towns": [
            {
                "name": town.name,
                "state": town.state,
                "county": town.county,
                "population": town.population,
                "ags": town.ags,
                "latitude": _decimal(town.latitude),
                "longitude": _decimal(town.longitude),
            }
            for town in Town.objects.order_by("name", "state")
        ],
        "contacts": [
            {
                "name": contact.name,
                "function": contact.function,
                "organisation": contact.organisation.name if contact.organisation else "",
                "phone": contact.phone,
                "email": contact.email,
                "public": contact.is_public,
            }
            for contact in Contact.objects.select_related("organisation").order_by(
                "function", "name", "pk"
            )
        ],
    }


# ---------------------------------------------------------------------------------------------
# CSV per model in a ZIP file
# ---------------------------------------------------------------------------------------------


def _cell(value, is_json):
    if is_json:
        return "" if value is None else escape_cell(json.dumps(value, ensure_ascii=False))
    return "" if value is None else escape_cell(str(value))


def library_to_zip(data):
    library_row = {"format": data["format"], "version": data["version"]}
    library_row["exported_at"] = data.get("exported_at", "")
    library_row.update(data["library"])
    tables = {"library": [library_row], **{name: data[name] for name in TABLES[1:]}}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables.items():
            columns = []
            for row in rows:
                columns.extend(key for key in row if key not in columns)
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow(
                    {key: _cell(row.get(key), key in JSON_COLUMNS[name]) for key in columns}
                )
            archive.writestr(f"{name}.csv", text.getvalue().encode("utf-8"))
    return buffer.getvalue()


def zip_to_library(raw):
    try:
        check_archive(raw)
    except LimitExceeded as error:
        raise ImportFailed([str(error)]) from None
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as error:
        raise ImportFailed([_("Die ZIP-Datei kann nicht gelesen werden: %s") % error]) from error
    tables = {}
    with archive:
        names = set(archive.namelist())
        for name in TABLES:
            if f"{name}.csv" not in names:
                raise ImportFailed([_("In der ZIP-Datei fehlt „%s.csv“.") % name])
            text = archive.read(f"{name}.csv").decode("utf-8-sig")
            rows = []
            for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
                decoded = {}
                for key, value in row.items():
                    value = unescape_cell(value)
                    if key in JSON_COLUMNS[name]:
                        try:
                            decoded[key] = json.loads(value) if value != "" else None
                        except json.JSONDecodeError:
                            raise ImportFailed(
                                [
                                    _("%(file)s, Zeile %(n)d, Spalte „%(col)s“: kein gültiges JSON")
                                    % {"file": f"{name}.csv", "n": number, "col": key}
                                ]
                            ) from None
                    else:
                        decoded[key] = value
                rows.append(decoded)
            tables[name] = rows
    if len(tables["library"]) != 1:
        raise ImportFailed([_("library.csv muss genau eine Zeile enthalten.")])
    library = dict(tables.pop("library")[0])
    data = {
        "format": library.pop("format"),
        "version": library.pop("version"),
        "exported_at": library.pop("exported_at", ""),
        "library": library,
        **tables,
    }
    for case in data["cases"]:
        for key in [key for key, value in case.items() if value is None]:
            del case[key]
    return data


def read_library(path):
    """Read a library export (JSON or the ZIP of CSV files)."""
    with open(path, "rb") as handle:
        raw = handle.read()
    if str(path).lower().endswith(".zip") or raw[:4] == b"PK\x03\x04":
        return zip_to_library(raw)
    try:
        return loads_json(raw.decode("utf-8-sig"), json)
    except LimitExceeded as error:
        raise ImportFailed([str(error)]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportFailed([_("Keine gültige JSON-Datei: %s") % error]) from error


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


def import_library(data, user=None, source="", progress=None):
    """Restore a library export. Everything is validated and written in one transaction:
    a bad record changes nothing. Returns the importer's result."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportFailed([_("Die Datei ist kein Export der Fallbibliothek (format).")])
    if data.get("version") != VERSION:
        raise ImportFailed(
            [_("Version %s dieses Exports wird nicht unterstützt.") % data.get("version")]
        )
    with transaction.atomic():
        library = _library(data["library"])
        _reference_data(data)
        created = _sections(library, data.get("sections", []))
        importer = CaseImporter(library=library, user=user, source=source)
        result = importer.run(data.get("cases", []), progress=progress)
        _place_sections(library, created)
        return result


def _library(values):
    library = CaseLibraryPage.objects.order_by("path").first()
    if library is not None:
        return library
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is None:
        raise ImportFailed([_("Es gibt keine Website, unter der die Fallbibliothek liegen kann.")])
    library = CaseLibraryPage(
        title=values["title"],
        slug=values["slug"],
        intro=values.get("intro", ""),
        seo_title=values.get("seo_title", ""),
        search_description=values.get("search_description", ""),
    )
    site.root_page.add_child(instance=library)
    revision = library.save_revision()
    if values.get("live", True) in (True, "true", "True"):
        revision.publish()
    else:
        library.unpublish()
    return library


def _save(instance, label):
    try:
        instance.full_clean()
    except ValidationError as error:
        raise ImportFailed(
            [
                f"{label}: "
                + "; ".join(f"{k}: {', '.join(v)}" for k, v in error.message_dict.items())
            ]
        ) from None
    instance.save()


def _update(instance, values, label):
    changed = instance.pk is None
    for key, value in values.items():
        if getattr(instance, key) != value:
            setattr(instance, key, value)
            changed = True
    if changed:
        _save(instance, label)
    return instance


def _reference_data(data):
    organisations = {}
    for number, row in enumerate(data.get("organisations", []), start=1):
        organisation = Organisation.objects.filter(name=row["name"]).first() or Organisation()
        organisations[row["name"]] = _update(
            organisation,
            {key: row.get(key) or "" for key in ("name", "short_name", "kind", "website")},
            _("Organisation %d") % number,
        )

    def organisation(name):
        if not name:
            return None
        if name not in organisations:
            organisations[name] = Organisation.objects.get_or_create(name=name)[0]
        return organisations[name]

    for number, row in enumerate(data.get("themes", []), start=1):
        theme = (
            Theme.objects.filter(slug=row["slug"]).first()
            or Theme.objects.filter(name=row["name"]).first()
            or Theme()
        )
        values = {key: row.get(key) or "" for key in ("name", "slug", "summary", "description")}
        values["sort_order"] = int(row.get("sort_order") or 100)
        _update(theme, values, _("Thema %d") % number)
    for number, row in enumerate(data.get("funding_programmes", []), start=1):
        programme = FundingProgramme.objects.filter(name=row["name"]).first() or FundingProgramme()
        values = {
            key: row.get(key) or "" for key in ("name", "short_name", "website", "description")
        }
        values["funder"] = organisation(row.get("funder"))
        _update(programme, values, _("Förderprogramm %d") % number)
    for number, row in enumerate(data.get("towns", []), start=1):
        town = (
            (Town.objects.filter(ags=row["ags"]).first() if row.get("ags") else None)
            or Town.objects.filter(name=row["name"], state=row["state"]).first()
            or Town()
        )
        values = {key: row.get(key) or "" for key in ("name", "state", "county", "ags")}
        values["population"] = int(row["population"]) if row.get("population") else None
        for key in ("latitude", "longitude"):
            values[key] = _to_decimal(row.get(key))
        _update(town, values, _("Ort %d") % number)
    for number, row in enumerate(data.get("contacts", []), start=1):
        values = {
            "name": row.get("name") or "",
            "function": row.get("function") or "",
            "organisation": organisation(row.get("organisation")),
            "email": row.get("email") or "",
        }
        contact = Contact.objects.filter(**values).first() or Contact(**values)
        _update(
            contact,
            {"phone": row.get("phone") or "", "is_public": bool(row.get("public"))},
            _("Kontakt %d") % number,
        )


def _to_decimal(value):
    return Decimal(str(value)) if value not in (None, "") else None


def _sections(library, sections):
    """Create the missing sections; return ``[(page, position), ...]`` of the new ones."""
    existing = {page.slug for page in Page.objects.child_of(library).not_type(CasePage)}
    created = []
    for row in sections:
        if row["slug"] in existing:
            continue
        try:
            model = apps.get_model(row["type"])
        except (LookupError, ValueError):
            raise ImportFailed(
                [_("Bereich „%(slug)s“: Seitentyp %(type)s gibt es hier nicht") % row]
            ) from None
        page = model(title=row["title"], slug=row["slug"])
        for attname, value in (row.get("fields") or {}).items():
            field = model._meta.get_field(attname)
            setattr(page, attname, field.to_python(value) if value is not None else None)
        library.add_child(instance=page)
        revision = page.save_revision()
        if row.get("live", True):
            revision.publish()
        if row.get("position") is not None:
            created.append((page, int(row["position"])))
    return created


def _place_sections(library, created):
    """Move new sections to their exported place among the library's children (they were
    created before the cases, so their cases had a parent)."""
    # In order of position: the sections placed before stand where they belong, and those
    # still to place (at the front, where they were created) must not count.
    pending = {section.pk for section, _position in created}
    for section, position in sorted(created, key=lambda item: item[1]):
        pending.discard(section.pk)
        others = [
            page
            for page in Page.objects.child_of(library).order_by("path")
            if page.pk != section.pk and page.pk not in pending
        ]
        if not others:
            continue
        section = Page.objects.get(pk=section.pk)
        if position < len(others):
            section.move(others[position], pos="left")
        else:
            section.move(others[-1], pos="right")
