"""What a case page shows besides its own fields, in one query.

A case page lists its towns, themes, tags, funding programmes, partners and contacts. Loaded
with the ORM that is six queries, and their ORM overhead is a good part of the page's cost.
Here all links come from one ``UNION ALL`` query over the link tables (plain SQL through
Django's cursor, table and column names from the models' ``_meta``); the objects they point
to (towns, themes, funding programmes, organisations, tags, contacts) are reference tables,
the same for every page, kept per content generation (``core.memo``; saving any of them starts
a new generation). A link to an object the memo does not know yet is loaded from the database.

The result is a :class:`CaseFacts` of plain lists, handed to the templates as ``facts`` (fact
box, JSON-LD, Open Graph). Nothing is written into Django's or Wagtail's own caches of the
page: ``page.themes.all()`` stays the ORM's query.
"""

import functools
from dataclasses import dataclass

from django.db import connection
from taggit.models import Tag

from core.memo import memoised

from .models import CasePage, CaseTown, Contact, FundingProgramme, Organisation, Theme, Town

# Link kinds in the UNION query.
THEMES, FUNDING, PARTNERS, TAGS, CONTACTS, TOWNS = range(6)


@dataclass(frozen=True)
class CaseFacts:
    """The linked objects of one case, each list in the order the ORM would return it."""

    town_links: list
    themes: list
    funding_programmes: list
    partners: list
    tags: list
    contacts: list


def reference_data():
    """The reference objects a case page can show, by id, with their position in the
    model's default order."""
    querysets = {
        THEMES: Theme.objects.all(),
        FUNDING: FundingProgramme.objects.all(),
        PARTNERS: Organisation.objects.all(),
        TAGS: Tag.objects.all(),
        CONTACTS: Contact.objects.select_related("organisation"),
        TOWNS: Town.objects.all(),
    }
    return {
        kind: {obj.pk: (position, obj) for position, obj in enumerate(queryset)}
        for kind, queryset in querysets.items()
    }


@functools.cache
def _links_sql(vendor):
    def m2m(field_name):
        through = CasePage._meta.get_field(field_name).remote_field.through._meta
        own, other = (
            field.column
            for field in sorted(
                (f for f in through.fields if f.is_relation),
                key=lambda f: f.related_model is not CasePage,
            )
        )
        return through.db_table, own, other

    def inline(name):
        meta = CasePage._meta.get_field(name).related_model._meta
        return (
            meta.db_table,
            "page_id",
            meta.get_field("contact" if name == "case_contacts" else "town").column,
        )

    quote = connection.ops.quote_name
    parts = []
    for kind, (table, own, other, order, extra, note) in {
        THEMES: (*m2m("themes"), None, None, None),
        FUNDING: (*m2m("funding_programmes"), None, None, None),
        PARTNERS: (*m2m("partners"), None, None, None),
        TAGS: (*m2m("tags"), None, None, None),
        CONTACTS: (*inline("case_contacts"), "sort_order", None, None),
        TOWNS: (*inline("case_towns"), "sort_order", "role", "note"),
    }.items():
        # Table and column names come from the models (quoted); the page id is a parameter.
        parts.append(
            f"SELECT {kind}, {quote(other)}, {quote(order) if order else 0}, {quote('id')}, "  # noqa: S608
            f"{quote(extra) if extra else 'NULL'}, {quote(note) if note else 'NULL'} "
            f"FROM {quote(table)} WHERE {quote(own)} = %s"
        )
    return " UNION ALL ".join(parts), len(parts)


def load_facts(page, request=None):
    """The towns (links with their towns), themes, tags, funding programmes, partners and
    contacts of ``page``, as a :class:`CaseFacts`; ``page.town_links`` is set as well."""
    sql, count = _links_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [page.pk] * count)
        rows = cursor.fetchall()
    linked = {kind: {} for kind in range(6)}
    for kind, target_id, order, link_id, extra, note in rows:
        linked[kind][target_id] = (order, link_id, extra, note)
    references = memoised("casestudies.facts.reference_data", reference_data, request)

    def objects_of(kind, model):
        """The linked objects of a kind in the model's default order: from the memo if it
        knows them all, else from the database."""
        ids = linked[kind]
        known = references[kind]
        if all(pk in known for pk in ids):
            return [obj for _position, obj in sorted(known[pk] for pk in ids)]
        return list(model._default_manager.filter(pk__in=list(ids)))

    def link_order(kind, objects):
        """``objects`` in the order of their links (sort order, then when linked)."""
        return sorted(objects, key=lambda obj: linked[kind][obj.pk][:2])

    links = []
    for town in link_order(TOWNS, objects_of(TOWNS, Town)):
        sort_order, link_id, role, note = linked[TOWNS][town.pk]
        link = CaseTown(
            id=link_id, page_id=page.pk, role=role, note=note or "", sort_order=sort_order
        )
        link.town = town
        links.append(link)
    page.town_links = links
    return CaseFacts(
        town_links=links,
        themes=objects_of(THEMES, Theme),
        funding_programmes=objects_of(FUNDING, FundingProgramme),
        partners=objects_of(PARTNERS, Organisation),
        # In the order they were added, as taggit returns them.
        tags=link_order(TAGS, objects_of(TAGS, Tag)),
        contacts=link_order(CONTACTS, objects_of(CONTACTS, Contact)),
    )
