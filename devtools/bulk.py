"""Create many case pages at once, for load tests and the search benchmark.

The regular importer (``importer.CaseImporter``) saves, revises and publishes each page and
lets Wagtail update its page search index and the reference index: about 0.16 s per case,
half an hour for ten thousand. This module writes the same pages in bulk instead:

1. Records are validated like an import (``validate_records``); slugs that already exist are
   skipped, so running it twice creates nothing new.
2. Reference data (towns, themes, funding programmes, organisations, contacts, tags) is
   looked up in one query per model; what is missing is created with ``bulk_create`` (themes
   and tags, of which there are few, through ``save()`` for their unique slugs).
3. Each record is applied to an unsaved ``CasePage`` by the importer's own ``apply``, so the
   field mapping is the importer's. The relations stay in memory (modelcluster) until step 4.
4. Per chunk of pages, in one transaction: the ``wagtailcore_page`` rows (``bulk_create``
   on ``Page``, with tree paths after the library's last child), the ``casestudies_casepage``
   rows (``executemany``; ``bulk_create`` does not support multi-table inheritance), then
   the towns, contacts, themes, funding, partners and tags rows. The search entries are built
   from the in-memory pages (no queries per page) and written with ``bulk_create``.
5. The library's ``numchild`` is recounted, and the database full-text index is rebuilt
   once (``bulk_create`` sends no ``post_save``, so the index does not follow by itself).

The pages are live and published now. They get no revision (the admin edit view works without
one; the first save there creates it), no entry in Wagtail's own page index (the admin page
search: ``manage.py update_index``) and no reference index rows
(``manage.py rebuild_references_index``).
"""

import sys
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from taggit.models import Tag
from tqdm import tqdm
from wagtail.models import Page

from casestudies.importer import CaseImporter, ImportFailed, ImportResult, validate_records
from casestudies.models import (
    CaseContact,
    CaseLibraryPage,
    CasePage,
    CasePageTag,
    CaseTown,
    Contact,
    FundingProgramme,
    Organisation,
    Theme,
    Town,
)
from casestudies.periods import store_period
from core.cache import content_changed
from core.geo import size_class_for
from search.engine import document_analyzer
from search.indexer import build_entry
from search.models import SearchEntry
from search.retrieval import database_retriever

CHUNK_SIZE = 500
BATCH_SIZE = 500
M2M_FIELDS = ("themes", "funding_programmes", "partners")


@dataclass
class BulkResult:
    created: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)  # step -> seconds


@contextmanager
def _timed(timings, step):
    """Add the time the block takes to ``timings[step]``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[step] = timings.get(step, 0.0) + time.perf_counter() - started


def path_step(number):
    """The treebeard path step of the ``number``-th child: ``number`` in the tree's alphabet
    (``Page.alphabet``, base 36), padded to ``Page.steplen`` characters, as treebeard's
    materialised paths are documented."""
    alphabet = Page.alphabet
    digits = ""
    while number:
        number, digit = divmod(number, len(alphabet))
        digits = alphabet[digit] + digits
    return digits.rjust(Page.steplen, alphabet[0])


def path_step_number(step):
    """The number of a path step (the inverse of :func:`path_step`)."""
    number = 0
    for char in step:
        number = number * len(Page.alphabet) + Page.alphabet.index(char)
    return number


class _ReferenceData(CaseImporter):
    """The importer's lookups (``apply`` calls them), answered from preloaded maps."""

    def __init__(self, library):
        super().__init__(library=library)
        self._contacts = {}
        self._tags = {}

    # Loading: one query per model for what exists, bulk_create for what is missing.

    def load(self, records):
        names = defaultdict(dict)  # kind -> lower name -> name, first spelling wins
        towns, contacts = {}, {}
        for record in records:
            for kind in ("themes", "funding", "partners", "tags"):
                for name in record.get(kind, ()):
                    names[kind].setdefault(name.lower(), name)
            for town in record.get("towns", ()):
                towns.setdefault((town["name"].lower(), town["state"]), town)
            for contact in record.get("contacts", ()):
                if contact["organisation"]:
                    names["partners"].setdefault(
                        contact["organisation"].lower(), contact["organisation"]
                    )
                contacts.setdefault(self._contact_key(contact), contact)

        self._themes = self._lookup(Theme, names["themes"], bulk=False)
        self._programmes = self._lookup(FundingProgramme, names["funding"])
        self._organisations = self._lookup(Organisation, names["partners"])
        self._tags = self._lookup(Tag, names["tags"], bulk=False)
        self._load_towns(towns)
        self._load_contacts(contacts)

    @staticmethod
    def _lookup(model, wanted, bulk=True):
        """lower name -> instance for every wanted name, creating the missing ones."""
        found = {}
        for instance in model.objects.all():
            found.setdefault(instance.name.lower(), instance)
        missing = [model(name=name) for key, name in wanted.items() if key not in found]
        if bulk:
            model.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        else:  # few rows whose save() makes a unique slug
            for instance in missing:
                instance.save()
        for instance in missing:
            found[instance.name.lower()] = instance
        return found

    def _load_towns(self, wanted):
        for town in Town.objects.all():
            self._towns.setdefault((town.name.lower(), town.state), town)
        missing = []
        for key, data in wanted.items():
            if key in self._towns:
                continue  # existing towns keep their facts, as far as bulk creation goes
            town = Town(
                name=data["name"],
                state=data["state"],
                population=data["population"],
                ags=data["ags"],
                latitude=None if data["lat"] is None else Decimal(str(data["lat"])),
                longitude=None if data["lon"] is None else Decimal(str(data["lon"])),
                size_class=size_class_for(data["population"]),  # as Town.save() does
            )
            missing.append(town)
            self._towns[key] = town
        Town.objects.bulk_create(missing, batch_size=BATCH_SIZE)

    def _contact_key(self, data):
        organisation = data["organisation"].lower() if data["organisation"] else ""
        return (data["name"], data["function"], organisation, data["email"])

    def _load_contacts(self, wanted):
        organisation_names = {o.pk: o.name.lower() for o in self._organisations.values()}
        for contact in Contact.objects.all():
            organisation = organisation_names.get(contact.organisation_id, "")
            if contact.organisation_id and not organisation:
                continue  # an organisation none of the records names
            key = (contact.name, contact.function, organisation, contact.email)
            self._contacts.setdefault(key, contact)
        missing = []
        for key, data in wanted.items():
            if key in self._contacts:
                continue
            contact = Contact(
                name=data["name"],
                function=data["function"],
                organisation=self._organisations[key[2]] if key[2] else None,
                phone=data["phone"],
                email=data["email"],
                is_public=data["public"],
            )
            missing.append(contact)
            self._contacts[key] = contact
        Contact.objects.bulk_create(missing, batch_size=BATCH_SIZE)

    # The lookups ``CaseImporter.apply`` calls.

    def town(self, data, result):
        return self._towns[(data["name"].lower(), data["state"])]

    def theme(self, name):
        return self._themes[name.lower()]

    def programme(self, name):
        return self._programmes[name.lower()]

    def organisation(self, name):
        return self._organisations[name.lower()]

    def contact(self, data):
        return self._contacts[self._contact_key(data)]

    def tag(self, name):
        return self._tags[name.lower()]


class BulkCaseCreator:
    """Create live case pages from records in bulk; see the module docstring."""

    def __init__(self, library=None, progress=None, chunk_size=CHUNK_SIZE):
        self.library = library or CaseLibraryPage.objects.order_by("path").first()
        self.progress = progress  # progress(done, total), after each chunk
        self.chunk_size = chunk_size

    def run(self, raw_records):

        if self.library is None:
            raise ImportFailed(
                [_("Es gibt noch keine Fallbibliothek, unter der Fälle angelegt werden können.")]
            )
        result = BulkResult()
        stopwatch = partial(_timed, result.timings)
        with stopwatch("validate"):
            records = validate_records(raw_records)
            existing = set(CasePage.objects.values_list("slug", flat=True))
            result.skipped = [r["slug"] for r in records if r["slug"] in existing]
            records = [r for r in records if r["slug"] not in existing]
        if not records:
            return result
        with stopwatch("reference data"), transaction.atomic():
            reference = _ReferenceData(self.library)
            reference.load(records)
        with stopwatch("analyzer"):
            analyzer = document_analyzer()
            analyzer.index_terms("Anlauf")  # load the lexicon before the clock runs on pages

        for start in range(0, len(records), self.chunk_size):
            chunk = records[start : start + self.chunk_size]
            with transaction.atomic():
                self._create_chunk(chunk, reference, analyzer, stopwatch)
            result.created.extend(record["slug"] for record in chunk)
            if self.progress:
                self.progress(len(result.created), len(records))

        with stopwatch("full-text index"), transaction.atomic():
            self._finish()
        return result

    # ---------------------------------------------------------------------------------------

    def _create_chunk(self, records, reference, analyzer, stopwatch):

        library = Page.objects.select_for_update().get(pk=self.library.pk)
        with stopwatch("build pages"):
            pages = self._build_pages(library, records, reference)
        with stopwatch("insert pages"):
            self._insert_pages(pages)
        with stopwatch("insert relations"):
            self._insert_relations(pages)
        with stopwatch("build search entries"):
            entries = [build_entry(page, analyzer) for page in pages]
        with stopwatch("insert search entries"):
            SearchEntry.objects.bulk_create(
                [entry for entry in entries if entry is not None], batch_size=BATCH_SIZE
            )
        Page.objects.filter(pk=library.pk).update(numchild=library.numchild + len(pages))
        self.library.numchild = library.numchild + len(pages)
        # Written without signals: start a new content generation in this transaction.
        content_changed("bulk import")

    def _build_pages(self, library, records, reference):
        last = library.get_last_child()
        position = path_step_number(last.path[-Page.steplen :]) if last else 0
        content_type = ContentType.objects.get_for_model(CasePage)
        now = timezone.now()
        result = ImportResult()
        pages = []
        for number, record in enumerate(records, start=position + 1):
            page = CasePage(
                title=record["title"],
                draft_title=record["title"],
                slug=record["slug"],
                content_type=content_type,
                locale_id=library.locale_id,
                path=library.path + path_step(number),
                depth=library.depth + 1,
                numchild=0,
                url_path=f"{library.url_path}{record['slug']}/",
                live=True,
                has_unpublished_changes=False,
                first_published_at=now,
                last_published_at=now,
                translation_key=uuid.uuid4(),
            )
            reference.apply(page, {k: v for k, v in record.items() if k != "tags"}, result)
            # Tags through their rows: ``tags.set()`` would look each name up on its own.
            page.tagged_items = [CasePageTag(tag=reference.tag(n)) for n in record.get("tags", ())]
            store_period(page)  # what CasePage.save() derives
            pages.append(page)
        return pages

    def _insert_pages(self, pages):
        page_fields = [f for f in Page._meta.concrete_fields if not f.primary_key]
        rows = [
            Page(**{f.attname: getattr(page, f.attname) for f in page_fields}) for page in pages
        ]
        Page.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        for page, row in zip(pages, rows, strict=True):
            page.pk = page.id = page.page_ptr_id = row.pk
            page._state.adding = False

        # The CasePage rows: Django's own conversion of each local field, one executemany.
        fields = CasePage._meta.local_concrete_fields
        quote = connection.ops.quote_name
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)
            quote(CasePage._meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        values = [
            [f.get_db_prep_save(f.pre_save(page, add=True), connection) for f in fields]
            for page in pages
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, values)

    def _insert_relations(self, pages):
        towns, contacts, tags = [], [], []
        through_rows = defaultdict(list)
        for page in pages:
            for order, link in enumerate(page.case_towns.all()):
                towns.append(
                    CaseTown(
                        page_id=page.pk,
                        town_id=link.town.pk,
                        role=link.role,
                        note=link.note,
                        sort_order=order,
                    )
                )
            for order, link in enumerate(page.case_contacts.all()):
                contacts.append(
                    CaseContact(page_id=page.pk, contact_id=link.contact.pk, sort_order=order)
                )
            for item in page.tagged_items.all():
                tags.append(CasePageTag(content_object_id=page.pk, tag_id=item.tag.pk))
            for name in M2M_FIELDS:
                m2m = CasePage._meta.get_field(name)
                for target in getattr(page, name).all():
                    through_rows[name].append(
                        m2m.remote_field.through(
                            **{
                                f"{m2m.m2m_field_name()}_id": page.pk,
                                f"{m2m.m2m_reverse_field_name()}_id": target.pk,
                            }
                        )
                    )
        CaseTown.objects.bulk_create(towns, batch_size=BATCH_SIZE)
        CaseContact.objects.bulk_create(contacts, batch_size=BATCH_SIZE)
        CasePageTag.objects.bulk_create(tags, batch_size=BATCH_SIZE)
        for name, rows in through_rows.items():
            model = CasePage._meta.get_field(name).remote_field.through
            model.objects.bulk_create(rows, batch_size=BATCH_SIZE)

    def _finish(self):

        library = Page.objects.get(pk=self.library.pk)
        children = library.get_children().count()
        if library.numchild != children:
            Page.objects.filter(pk=library.pk).update(numchild=children)
        self.library.numchild = children
        database_retriever().rebuild()


def create_cases(records, library=None, progress_bar=False):
    """``BulkCaseCreator(library).run(records)``, with a progress bar on stderr if asked."""
    bar = tqdm(
        total=len(records),
        desc=_("Fälle"),
        unit=_(" Fälle"),
        file=sys.stderr,
        disable=not progress_bar,
    )

    def progress(done, total):
        bar.update(done - bar.n)

    with bar:
        return BulkCaseCreator(library=library, progress=progress).run(records)
