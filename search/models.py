"""The search index entry (one per searchable page), the editor-managed synonyms and the
anonymous search statistics."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.search import index

from .analysis import parse_synonyms


def database_now():
    """The database's clock, as an expression to write (``STATEMENT_TIMESTAMP()`` on
    PostgreSQL)."""
    return Now()


class SearchEntryFields(models.Model):
    """What an entry stores (``SearchEntry``, and ``StagedSearchEntry`` during a rebuild)."""

    class Kind(models.TextChoices):
        CASE = "case", _("Praxisfall")
        GUIDE = "guide", _("Leitfaden")
        GLOSSARY = "glossary", _("Glossar")
        EVENT = "event", _("Veranstaltung")

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CASE)
    url_path = models.CharField(max_length=500)
    heading = models.CharField(max_length=255)
    summary = models.TextField(blank=True)
    text = models.TextField(blank=True)

    title = models.TextField(blank=True, help_text="Analysed terms of the title.")
    key_terms = models.TextField(blank=True)
    body_terms = models.TextField(blank=True)

    themes = models.CharField(max_length=500, blank=True)
    theme_names = models.CharField(max_length=500, blank=True)
    tags = models.CharField(max_length=1000, blank=True)
    towns = models.CharField(max_length=1000, blank=True)
    states = models.CharField(max_length=100, blank=True)
    size_classes = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=12, blank=True)
    funding = models.CharField(max_length=500, blank=True)
    # Transfer facets of a case (budget range, duration class, scope), as casestudies stores them.
    budget_range = models.CharField(max_length=10, blank=True)
    duration_class = models.CharField(max_length=16, blank=True)
    scope = models.CharField(max_length=16, blank=True)
    period_start = models.PositiveSmallIntegerField(null=True)
    period_end = models.PositiveSmallIntegerField(null=True)
    population = models.PositiveIntegerField(null=True)
    published_at = models.DateTimeField(null=True)
    quality = models.FloatField(
        default=0.0, help_text="0-1: how richly documented the page is (a ranking prior)."
    )
    analyzer_version = models.CharField(max_length=10, blank=True)
    # Set by the database's clock (``database_now()`` on every write), never by an app host's:
    # the workers' search states read the entries changed since they last looked by this
    # time (search/engine.py), and hosts' clocks need not agree.
    updated_at = models.DateTimeField(db_default=Now(), db_index=True)

    class Meta:
        abstract = True


class SearchEntry(index.Indexed, SearchEntryFields):
    """What the search knows about one live page.

    The ``*_terms`` fields hold the output of the German analyzer (folded stems plus compound
    parts, separated by spaces); every backend indexes them the same way, so the German
    analysis is identical on SQLite, PostgreSQL and OpenSearch. ``heading``/``summary``/
    ``text`` keep the readable text for snippets, and the facet fields are denormalised so
    that filtering and facet counts need no joins.
    """

    page = models.OneToOneField(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="search_entry"
    )

    search_fields = [
        # "title" is the field the database backends weight as the title.
        index.SearchField("title", boost=4, es_extra={"analyzer": "praxis_terms"}),
        index.SearchField("key_terms", boost=2.5, es_extra={"analyzer": "praxis_terms"}),
        index.SearchField("body_terms", es_extra={"analyzer": "praxis_terms"}),
        # Readable text, analysed by OpenSearch/Elasticsearch's own German analysis.
        index.SearchField("heading", boost=2, es_extra={"analyzer": "praxis_german"}),
        index.SearchField("text", es_extra={"analyzer": "praxis_german"}),
        index.FilterField("kind"),
    ]

    # The database backends use their own full-text index of the terms (search/retrieval.py);
    # search servers are updated explicitly by the outbox (search/outbox.py).
    search_auto_update = False

    class Meta:
        verbose_name = _("Sucheintrag")
        verbose_name_plural = _("Sucheinträge")

    def __str__(self):
        return self.heading

    @property
    def theme_slugs(self):
        return self.themes.split()


class Synonym(models.Model):
    """One synonym rule in Solr format, managed by editors.

    ``Bürgerrat, Bürgerforum`` makes the terms equivalent; ``citizens assembly => Bürgerrat``
    expands the left side to the right side only.
    """

    rule = models.CharField(
        _("Regel"),
        max_length=500,
        unique=True,
        help_text=_(
            "Gleichwertige Begriffe mit Komma trennen („Coworking, Gemeinschaftsbüro“); "
            "„citizens assembly => Bürgerrat“ erweitert nur die linke Seite um die rechte."
        ),
    )
    note = models.CharField(_("Notiz"), max_length=200, blank=True)
    active = models.BooleanField(_("aktiv"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [FieldPanel("rule"), FieldPanel("note"), FieldPanel("active")]

    class Meta:
        verbose_name = _("Synonym")
        verbose_name_plural = _("Synonyme")
        ordering = ["rule"]

    def __str__(self):
        return self.rule

    def clean(self):
        try:
            rules = parse_synonyms([self.rule])
        except ValueError as error:
            raise ValidationError({"rule": str(error)}) from error
        if not rules:
            raise ValidationError({"rule": _("Die Regel enthält keine Begriffe.")})


class SearchQueryStat(models.Model):
    """How often a (normalised) query was searched on a day, and how often it found nothing.
    No personal data: no user, no IP address, no user agent."""

    day = models.DateField(db_index=True)
    query = models.CharField(max_length=100)
    searches = models.PositiveIntegerField(default=0)
    zero_results = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Suchanfrage")
        verbose_name_plural = _("Suchanfragen")
        constraints = [
            models.UniqueConstraint(fields=["day", "query"], name="unique_query_per_day")
        ]

    def __str__(self):
        return f"{self.day}: {self.query}"


class SearchClickStat(models.Model):
    """How often a result was chosen for a query on a day (anonymous, aggregated)."""

    day = models.DateField(db_index=True)
    query = models.CharField(max_length=100)
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    clicks = models.PositiveIntegerField(default=0)
    position_sum = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Klick auf Suchergebnis")
        verbose_name_plural = _("Klicks auf Suchergebnisse")
        constraints = [
            models.UniqueConstraint(fields=["day", "query", "page"], name="unique_click_per_day")
        ]

    def __str__(self):
        return f"{self.day}: {self.query} -> {self.page_id}"


class IndexTask(models.Model):
    """Work for the search indexer, written in the transaction of the change that caused it
    (the outbox, search/outbox.py): which pages' entries to derive again, or which removed
    entries the derived indexes (search/consumers.py) still have to forget.

    Repeated changes to the same thing collapse on ``key``. A task that failed stays with its
    ``attempts`` and ``last_error`` and is tried again after ``available_at``; a drain working
    on it holds it through ``claim`` until ``claimed_until``."""

    class Kind(models.TextChoices):
        PAGE = "page", _("Seite")
        SUBTREE = "subtree", _("Seite mit Unterseiten")
        PATHS = "paths", _("Adressen unterhalb einer Seite")
        REFERENCE = "reference", _("Seiten, die ein Objekt zeigen")
        PAGES = "pages", _("Seitenliste")
        REMOVED = "removed", _("entfernter Eintrag")
        SYNONYMS = "synonyms", _("Synonyme")

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Plain ids, not foreign keys: a task outlives the page or object it names.
    page_id = models.IntegerField(null=True, blank=True)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.CASCADE
    )
    object_id = models.CharField(max_length=64, blank=True)
    page_ids = models.JSONField(default=list, blank=True)
    entry_id = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claim = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Indizierungsauftrag")
        verbose_name_plural = _("Indizierungsaufträge")

    def __str__(self):
        return self.key


class StagedSearchEntry(SearchEntryFields):
    """A search entry built by ``rebuild_search`` before it replaces the live entries in one
    transaction (search/indexer.py ``rebuild``): the search answers from the old entries
    while the new ones are built."""

    page_id = models.IntegerField(unique=True)

    class Meta:
        verbose_name = _("vorbereiteter Sucheintrag")
        verbose_name_plural = _("vorbereitete Sucheinträge")

    def __str__(self):
        return self.heading
