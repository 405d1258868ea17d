"""The case library: reference data (towns, themes, organisations, funding programmes,
contacts) and the page types (library index, case page)."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from core.blocks import RICH_TEXT_FEATURES, CaseStoryBlock
from core.forms import SiteModelForm
from core.fragments import page_fragment_scope
from core.geo import SizeClass, State, size_class_for
from core.links import page_url
from core.memo import memoised
from core.models import IndexPage
from core.pages import SitePage
from core.slugs import german_slugify
from core.widgets import SearchableCheckboxSelectMultiple
from places.panels import TownCoordinatesPanel
from places.towns import complete_town
from places.widgets import MunicipalityNameInput
from search.service import related

from .completeness import IncompleteCase, require_complete
from .forms import CasePageForm
from .freshness import is_due
from .panels import CompletenessPanel
from .periods import parse_period, store_period
from .transfer_facts import duration_class_for, transfer_facts

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------


class Town(index.Indexed, models.Model):
    """A municipality. Its size class is derived from the population, never typed by hand."""

    name = models.CharField(_("Name"), max_length=120)
    state = models.CharField(_("Bundesland"), max_length=2, choices=State.choices)
    county = models.CharField(_("Landkreis"), max_length=120, blank=True)
    population = models.PositiveIntegerField(_("Einwohnerzahl"), null=True, blank=True)
    ags = models.CharField(
        _("Amtlicher Gemeindeschlüssel (AGS)"),
        max_length=8,
        blank=True,
        help_text=_("Achtstellig, sofern bekannt."),
    )
    latitude = models.DecimalField(
        _("Breitengrad"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("Längengrad"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    size_class = models.CharField(
        _("Stadtgrößenklasse"),
        max_length=24,
        choices=SizeClass.choices,
        blank=True,
        editable=False,
        db_index=True,
    )

    panels = [
        TownCoordinatesPanel(),
        FieldPanel(
            "name",
            widget=MunicipalityNameInput,
            help_text=_(
                "Beim Tippen schlägt das Gemeindeverzeichnis Gemeinden vor; die Auswahl füllt "
                "Land, Landkreis, Einwohnerzahl, AGS und Koordinaten."
            ),
        ),
        FieldRowPanel([FieldPanel("state"), FieldPanel("county")]),
        FieldRowPanel([FieldPanel("population"), FieldPanel("ags")]),
        FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
    ]

    # Admin forms strip pasted control characters before validation (core.forms).
    base_form_class = SiteModelForm

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.FilterField("state"),
        index.FilterField("size_class"),
    ]

    class Meta:
        verbose_name = _("Ort")
        verbose_name_plural = _("Orte")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "state"], name="unique_town_name_state"),
            models.UniqueConstraint(fields=["ags"], condition=~Q(ags=""), name="unique_town_ags"),
        ]

    def __str__(self):
        return f"{self.name} ({self.state})"

    @property
    def has_coordinates(self):
        return self.latitude is not None and self.longitude is not None

    def clean(self):
        super().clean()
        if self.ags and not (self.ags.isdigit() and len(self.ags) == 8):
            raise ValidationError({"ags": _("Der AGS besteht aus genau acht Ziffern.")})

    def save(self, *args, **kwargs):
        # Coordinates, AGS and population from the municipality directory where missing.
        if complete_town(self) and kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                *("latitude", "longitude", "ags", "population", "county"),
            }
        self.size_class = size_class_for(self.population)
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "size_class"}
        super().save(*args, **kwargs)


class Organisation(index.Indexed, models.Model):
    class Kind(models.TextChoices):
        MUNICIPALITY = "kommune", _("Kommune")
        FEDERAL = "bund", _("Bundeseinrichtung")
        STATE = "land", _("Landeseinrichtung")
        ASSOCIATION = "verband", _("Verband")
        CIVIL_SOCIETY = "zivilgesellschaft", _("Verein / Initiative")
        BUSINESS = "wirtschaft", _("Unternehmen")
        RESEARCH = "wissenschaft", _("Hochschule / Forschung")
        OTHER = "sonstige", _("Sonstige")

    name = models.CharField(_("Name"), max_length=200, unique=True)
    short_name = models.CharField(_("Kurzname"), max_length=40, blank=True)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    website = models.URLField(_("Website"), blank=True)

    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("short_name"), FieldPanel("kind")]),
        FieldPanel("website"),
    ]

    # Admin forms strip pasted control characters before validation (core.forms).
    base_form_class = SiteModelForm

    search_fields = [
        index.SearchField("name"),
        index.SearchField("short_name"),
        index.AutocompleteField("name"),
        index.FilterField("kind"),
    ]

    class Meta:
        verbose_name = _("Organisation")
        verbose_name_plural = _("Organisationen")
        ordering = ["name"]

    def __str__(self):
        return self.name


class FundingProgramme(index.Indexed, models.Model):
    name = models.CharField(_("Name"), max_length=200, unique=True)
    short_name = models.CharField(_("Kurzname"), max_length=40, blank=True)
    funder = models.ForeignKey(
        Organisation,
        verbose_name=_("Fördermittelgeber"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="funding_programmes",
    )
    website = models.URLField(_("Website"), blank=True)
    description = models.TextField(_("Beschreibung"), blank=True)

    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("short_name"), FieldPanel("funder")]),
        FieldPanel("website"),
        FieldPanel("description"),
    ]

    # Admin forms strip pasted control characters before validation (core.forms).
    base_form_class = SiteModelForm

    search_fields = [
        index.SearchField("name"),
        index.SearchField("short_name"),
        index.SearchField("description"),
        index.AutocompleteField("name"),
    ]

    class Meta:
        verbose_name = _("Förderprogramm")
        verbose_name_plural = _("Förderprogramme")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Theme(index.Indexed, models.Model):
    name = models.CharField(_("Name"), max_length=80, unique=True)
    slug = models.SlugField(_("Kurzform für die Adresse"), max_length=80, unique=True)
    summary = models.TextField(_("Kurzbeschreibung"), blank=True)
    description = RichTextField(_("Einführung"), features=RICH_TEXT_FEATURES, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=100)
    synonyms = models.TextField(
        _("Andere Bezeichnungen"),
        blank=True,
        help_text=_(
            "Begriffe, die Partner für dieses Thema verwenden, durch Komma getrennt "
            "(z. B. „Verkehr, ÖPNV“). Der Import ordnet sie diesem Thema zu."
        ),
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("synonyms"),
        FieldPanel("sort_order"),
    ]

    # Admin forms strip pasted control characters before validation (core.forms).
    base_form_class = SiteModelForm

    search_fields = [
        index.SearchField("name"),
        index.SearchField("summary"),
        index.AutocompleteField("name"),
    ]

    class Meta:
        verbose_name = _("Thema")
        verbose_name_plural = _("Themen")
        ordering = ["sort_order", "name"]
        # Adding a theme in the admin is "add_theme"; a file import may grow the taxonomy
        # only for groups with this permission (setup: Moderation, Administration).
        permissions = [("import_new_themes", _("Darf beim Import neue Themen anlegen"))]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            # German spelling as in every other address: "Mobilität" -> "mobilitaet".
            self.slug = german_slugify(self.name.replace("&", "und"), max_length=80)
        super().save(*args, **kwargs)


class Contact(index.Indexed, models.Model):
    """A person or a role mailbox. A person's name, phone and email are shown to visitors only
    where the editor has marked them public."""

    name = models.CharField(
        _("Name"),
        max_length=120,
        blank=True,
        help_text=_("Leer lassen für ein Funktionspostfach."),
    )
    function = models.CharField(_("Funktion"), max_length=120)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("Organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    is_public = models.BooleanField(
        _("Personenbezogene Daten öffentlich zeigen"),
        default=False,
        help_text=_(
            "Nur ankreuzen, wenn die Person der Veröffentlichung von Name, Telefon und E-Mail "
            "zugestimmt hat. Funktionspostfächer werden immer gezeigt."
        ),
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("function")]),
        FieldPanel("organisation"),
        FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
        FieldPanel("is_public"),
    ]

    # Admin forms strip pasted control characters before validation (core.forms).
    base_form_class = SiteModelForm

    search_fields = [
        # The chooser of a partner account searches only its own contacts (a filter on id).
        index.FilterField("id"),
        index.SearchField("name"),
        index.SearchField("function"),
        index.AutocompleteField("name"),
        index.AutocompleteField("function"),
    ]

    class Meta:
        verbose_name = _("Kontakt")
        verbose_name_plural = _("Kontakte")
        ordering = ["function", "name"]

    def __str__(self):
        parts = [self.name or self.function]
        if self.organisation_id:
            parts.append(str(self.organisation))
        return ", ".join(parts)

    def publication(self):
        """For the admin list and export: whose data visitors see, in words."""
        if self.is_role_mailbox:
            return _("Funktionspostfach (immer sichtbar)")
        return _("öffentlich") if self.is_public else _("nur für die Redaktion")

    publication.short_description = _("Personenbezogene Daten")

    @property
    def is_role_mailbox(self):
        return not self.name

    @property
    def shows_personal_data(self):
        return self.is_public or self.is_role_mailbox

    @property
    def public_name(self):
        return self.name if self.is_public else ""

    @property
    def public_phone(self):
        return self.phone if self.shows_personal_data else ""

    @property
    def public_email(self):
        return self.email if self.shows_personal_data else ""


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


class CasePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "casestudies.CasePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class CaseTown(Orderable):
    class Role(models.TextChoices):
        LEAD = "lead", _("federführend")
        PARTNER = "partner", _("beteiligt")

    page = ParentalKey("casestudies.CasePage", on_delete=models.CASCADE, related_name="case_towns")
    town = models.ForeignKey(
        Town, verbose_name=_("Ort"), on_delete=models.PROTECT, related_name="case_links"
    )
    role = models.CharField(_("Rolle"), max_length=10, choices=Role.choices, default=Role.LEAD)
    # What a source adds to the town's name for this case ("Grimma (mit allen Ortsteilen)"):
    # kept with the case, not in the town's name (casestudies.matching.town_name_and_note).
    note = models.CharField(
        _("Zusatz zum Ort"),
        max_length=120,
        blank=True,
        help_text=_(
            "Wie die Quelle den Ort für diesen Fall näher bestimmt, z. B. „mit allen Ortsteilen“."
        ),
    )

    panels = [FieldPanel("town"), FieldPanel("role"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        verbose_name = _("Ort des Falls")
        verbose_name_plural = _("Orte des Falls")


class CaseContact(Orderable):
    page = ParentalKey(
        "casestudies.CasePage", on_delete=models.CASCADE, related_name="case_contacts"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("Kontakt"), on_delete=models.PROTECT, related_name="case_links"
    )

    panels = [FieldPanel("contact")]

    class Meta(Orderable.Meta):
        verbose_name = _("Ansprechpartner")
        verbose_name_plural = _("Ansprechpartner")


class Status(models.TextChoices):
    PLANNED = "geplant", _("geplant")
    RUNNING = "laufend", _("laufend")
    ESTABLISHED = "verstetigt", _("verstetigt")
    FINISHED = "beendet", _("beendet")


class Scope(models.TextChoices):
    LOCAL = "lokal", _("eine Kommune")
    INTERMUNICIPAL = "interkommunal", _("interkommunal")
    REGIONAL = "regional", _("regional")
    NATIONWIDE = "bundesweit", _("bundesweit")


class BudgetRange(models.TextChoices):
    LT10K = "lt10k", _("unter 10.000 €")
    K10_50 = "10k-50k", _("10.000 bis 50.000 €")
    K50_250 = "50k-250k", _("50.000 bis 250.000 €")
    K250_1M = "250k-1m", _("250.000 € bis 1 Mio. €")
    GT1M = "gt1m", _("über 1 Mio. €")


class DurationClass(models.TextChoices):
    """Derived from the free text "Zeitbedarf" (casestudies.transfer_facts)."""

    UP_TO_1Y = "bis-1-jahr", _("bis 1 Jahr")
    UP_TO_2Y = "1-2-jahre", _("1 bis 2 Jahre")
    UP_TO_4Y = "2-4-jahre", _("2 bis 4 Jahre")
    LONGER = "ueber-4-jahre", _("über 4 Jahre")


def _page_number(value):
    """The ``seite`` parameter as a page number; anything else is the first page."""
    try:
        return max(1, int(value or 1))
    except (TypeError, ValueError):
        return 1


class CaseListingMixin:
    """A page that lists the cases below it (the library, a section) through the search
    service: chosen, counted, ordered and paged by ``casestudies.filters.CaseFilter`` with
    ``within`` the page, shown from the pages."""

    def cases_in_order(self, ids, listing=False):
        """The live, public cases below this page with these page ids, in their order (with
        what a card shows if ``listing``)."""
        position = {pk: index for index, pk in enumerate(ids)}
        cases = self.cases().filter(pk__in=ids)
        cases = CasePage.with_listing_data(cases) if listing else cases.defer_streamfields()
        return sorted(cases, key=lambda case: position[case.pk])

    def listing_context(self, request, theme=None, filters=True):
        """The cases of one page of the listing (``seite``), with the filter and the page;
        without ``filters`` the query's filter and sort parameters are not read."""
        # casestudies.filters imports this module's models at its top.
        from .filters import CaseFilter

        data = request.GET if filters else None
        case_filter = CaseFilter(data, theme=theme, within=self)
        ids, page_obj = case_filter.page(
            _page_number(request.GET.get("seite")), settings.CASES_PER_PAGE
        )
        return {
            "filter": case_filter,
            "page_obj": page_obj,
            "cases": self.cases_in_order(ids, listing=True),
            "theme": theme,
        }


class CaseLibraryPage(CaseListingMixin, RoutablePageMixin, IndexPage):
    """The index of all cases, with server-side filters and theme routes."""

    parent_page_types = ["home.HomePage"]
    subpage_types = ["casestudies.CasePage", "casestudies.CaseSectionPage"]

    class Meta:
        verbose_name = _("Fallbibliothek")
        verbose_name_plural = _("Fallbibliotheken")

    def route(self, request, path_components):
        # Remember the library the request passed through: the case page shows it in the
        # breadcrumb and need not look it up again.
        request.case_library = self
        return super().route(request, path_components)

    def cases(self):
        return CasePage.objects.live().public().descendant_of(self)

    @path("")
    def index_route(self, request):
        return self.render(request, context_overrides=self.listing_context(request))

    @path("thema/")
    def theme_index_route(self, request):
        # casestudies.filters imports this module's models at its top.
        from .filters import CaseFilter

        # Counted by the search service, as the theme pages list: this library's public cases.
        counts = CaseFilter(within=self).counts("thema")
        themes = list(Theme.objects.order_by("sort_order", "name"))
        for theme in themes:
            theme.case_count = counts.get(theme.slug, 0)
        return self.render(
            request,
            template="casestudies/theme_index_page.html",
            context_overrides={"themes": themes},
        )

    @path("thema/<slug:slug>/")
    def theme_route(self, request, slug):
        # Themes change rarely and every change starts a new content generation (core.memo).
        themes = memoised(
            "casestudies.themes_by_slug", lambda: {t.slug: t for t in Theme.objects.all()}, request
        )
        theme = themes.get(slug)
        if theme is None:
            raise Http404
        context = self.listing_context(request, theme=theme)
        return self.render(
            request, template="casestudies/theme_page.html", context_overrides=context
        )

    def theme_url(self, theme, request=None):
        return page_url(self, request) + self.reverse_subpage(
            "theme_route", kwargs={"slug": theme.slug}
        )

    @path("vergleich/")
    def compare_route(self, request):
        # casestudies.compare imports this module's models at its top.
        from .compare import compare_context

        response = self.render(
            request,
            template="casestudies/compare_page.html",
            context_overrides=compare_context(self, request.GET, request),
        )
        # The selection is in the query string.
        add_never_cache_headers(response)
        return response

    def compare_url(self, slugs, request=None):
        # With the request, Wagtail takes the site root paths from the request's memo.
        url = page_url(self, request) + self.reverse_subpage("compare_route")
        return url + ("?" + urlencode([("fall", slug) for slug in slugs]) if slugs else "")

    @path("pdf/<slug:slug>/")
    def handout_route(self, request, slug):
        """A case as a PDF handout. Only live cases without a view restriction, like every
        public output; a restricted case is not found here."""
        # WeasyPrint needs Pango (scripts/ensure-pdf-libs): loaded by the first case page,
        # not by every process that loads the models (commands, migrations).
        from .handout import handout_response

        case = get_object_or_404(self.cases(), slug=slug)
        request.case_library = self
        return handout_response(case, request)

    def handout_url(self, case, request=None):
        return page_url(self, request) + self.reverse_subpage(
            "handout_route", kwargs={"slug": case.slug}
        )

    def get_sitemap_urls(self, request=None):
        """The library, its theme overview and every theme page (routes, not pages)."""
        urls = super().get_sitemap_urls(request)
        base, lastmod = urls[0]["location"], urls[0]["lastmod"]
        urls.append(
            {"location": base + self.reverse_subpage("theme_index_route"), "lastmod": lastmod}
        )
        for slug in Theme.objects.order_by("sort_order", "name").values_list("slug", flat=True):
            path = self.reverse_subpage("theme_route", kwargs={"slug": slug})
            urls.append({"location": base + path, "lastmod": lastmod})
        return urls


# Slugs the library's own routes use: a section page must not shadow them.
RESERVED_SECTION_SLUGS = {"thema", "vergleich", "pdf"}


class CaseSectionPage(CaseListingMixin, IndexPage):
    """A section of the library that one organisation looks after, for example a partner
    network. Its cases are library cases like any other (lists, search, feeds, API); the
    section gives them an address of their own and a permission boundary for the partner's
    group (``manage.py add_partner``)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("Organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_sections",
        help_text=_("Wer diesen Bereich betreut."),
    )

    content_panels = IndexPage.content_panels + [FieldPanel("organisation")]

    parent_page_types = ["casestudies.CaseLibraryPage"]
    subpage_types = ["casestudies.CasePage"]

    class Meta:
        verbose_name = _("Bereich")
        verbose_name_plural = _("Bereiche")

    def clean(self):
        super().clean()
        if self.slug in RESERVED_SECTION_SLUGS:
            raise ValidationError(
                {"slug": _("Diese Adresse ist für die Fallbibliothek reserviert.")}
            )

    def route(self, request, path_components):
        request.case_section = self
        return super().route(request, path_components)

    def cases(self):
        return CasePage.objects.live().public().descendant_of(self)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        library = CaseLibraryPage.objects.ancestor_of(self).first()
        context["library"] = library
        context["page_obj"], context["cases"] = None, []
        if library is not None:
            # A section's own cases, below it in the tree, newest first: listed like the
            # library's, without its filter form (the section shows no filters).
            listing = self.listing_context(request, filters=False)
            context["page_obj"], context["cases"] = listing["page_obj"], listing["cases"]
        return context


class CasePage(SitePage):
    summary = models.TextField(
        _("Kurzfassung"),
        max_length=400,
        help_text=_("Ein bis zwei Sätze für Listen, Suche und Vorschauen."),
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("Titelbild"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(
        CaseStoryBlock(),
        verbose_name=_("Fallgeschichte"),
        blank=True,
        help_text=_(
            "Mit „Text“ direkt losschreiben; für eine Gliederung „Abschnitt“ wählen "
            "(Ausgangslage, Ziele, Umsetzung, Ergebnisse)."
        ),
    )

    # Transfer: what another town can learn, and what it needs to copy the case.
    lessons = RichTextField(
        _("Was andere Städte lernen können"), features=RICH_TEXT_FEATURES, blank=True
    )
    transfer_staff = models.TextField(_("Personal"), blank=True)
    transfer_budget_range = models.CharField(
        _("Budgetrahmen"), max_length=10, choices=BudgetRange.choices, blank=True
    )
    transfer_budget = models.TextField(_("Kosten"), blank=True)
    transfer_funding_rate = models.CharField(_("Förderquote"), max_length=120, blank=True)
    transfer_duration = models.CharField(_("Zeitbedarf"), max_length=200, blank=True)
    transfer_duration_class = models.CharField(
        _("Zeitbedarf (Klasse)"),
        max_length=16,
        choices=DurationClass.choices,
        blank=True,
        editable=False,
    )
    transfer_decisions = models.TextField(_("Rechtliche Grundlagen und Ratsbeschlüsse"), blank=True)
    transfer_partners = models.TextField(_("Benötigte Partner"), blank=True)
    transfer_pitfalls = models.TextField(_("Stolpersteine"), blank=True)

    # Facts
    scope = models.CharField(
        _("Reichweite"), max_length=16, choices=Scope.choices, default=Scope.LOCAL
    )
    period = models.CharField(
        _("Zeitraum"),
        max_length=40,
        blank=True,
        help_text=_("Zum Beispiel „2021-2023“, „seit 2019“ oder „05/2021-06/2023“."),
    )
    period_note = models.CharField(
        _("Zeitraum laut Quelle"),
        max_length=255,
        blank=True,
        help_text=_(
            "Die Angabe so, wie der Partner sie gemacht hat, zum Beispiel „Planung ab "
            "2019/20, Bau 2022“."
        ),
    )
    # Derived from ``period`` on save: filters, facets and sorting use these.
    period_start_year = models.PositiveSmallIntegerField(null=True, editable=False)
    period_start_month = models.PositiveSmallIntegerField(null=True, editable=False)
    period_end_year = models.PositiveSmallIntegerField(null=True, editable=False)
    period_end_month = models.PositiveSmallIntegerField(null=True, editable=False)
    period_open = models.BooleanField(default=False, editable=False)
    status = models.CharField(
        _("Status"), max_length=12, choices=Status.choices, default=Status.RUNNING
    )
    themes = ParentalManyToManyField(
        Theme, verbose_name=_("Themen"), related_name="case_pages", blank=True
    )
    tags = ClusterTaggableManager(verbose_name=_("Schlagwörter"), through=CasePageTag, blank=True)
    funding_programmes = ParentalManyToManyField(
        FundingProgramme,
        verbose_name=_("Förderprogramme"),
        related_name="case_pages",
        blank=True,
    )
    funding_note = models.TextField(
        _("Weitere Finanzierung"),
        blank=True,
        help_text=_(
            "Eigenmittel, Spenden, Anteile und andere Mittel, die kein Förderprogramm sind."
        ),
    )
    partners = ParentalManyToManyField(
        Organisation, verbose_name=_("Partner"), related_name="case_pages", blank=True
    )
    project_website = models.URLField(_("Projektwebsite"), blank=True)
    source_url = models.URLField(_("Quelle"), blank=True)
    last_checked = models.DateField(
        _("Zuletzt geprüft"),
        null=True,
        blank=True,
        help_text=_("Wann die Redaktion die Angaben zuletzt geprüft hat."),
    )

    content_panels = SitePage.content_panels + [
        CompletenessPanel(),
        FieldPanel("summary"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    facts_panels = [
        InlinePanel("case_towns", label=_("Ort"), heading=_("Orte und ihre Rolle")),
        FieldRowPanel([FieldPanel("scope"), FieldPanel("status"), FieldPanel("period")]),
        FieldPanel("period_note"),
        FieldPanel(
            "themes",
            widget=SearchableCheckboxSelectMultiple(
                search_placeholder=_("Thema suchen"),
                create_label=_("Thema suchen oder neu anlegen"),
            ),
        ),
        FieldPanel("tags"),
        FieldPanel(
            "funding_programmes",
            widget=SearchableCheckboxSelectMultiple(search_placeholder=_("Förderprogramm suchen")),
        ),
        FieldPanel("funding_note"),
        FieldPanel(
            "partners",
            widget=SearchableCheckboxSelectMultiple(
                search_placeholder=_("Partner suchen"),
                create_label=_("Organisation suchen oder neu anlegen"),
            ),
        ),
        FieldRowPanel([FieldPanel("project_website"), FieldPanel("source_url")]),
        FieldPanel("last_checked"),
        InlinePanel("case_contacts", label=_("Ansprechpartner/in")),
    ]
    transfer_panels = [
        FieldPanel("lessons"),
        MultiFieldPanel(
            [
                FieldPanel("transfer_staff"),
                FieldRowPanel(
                    [FieldPanel("transfer_budget_range"), FieldPanel("transfer_funding_rate")]
                ),
                FieldPanel("transfer_budget"),
                FieldPanel("transfer_duration"),
                FieldPanel("transfer_decisions"),
                FieldPanel("transfer_partners"),
                FieldPanel("transfer_pitfalls"),
            ],
            heading=_("Was es zum Nachmachen braucht"),
        ),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Fallgeschichte")),
            ObjectList(facts_panels, heading=_("Fakten")),
            ObjectList(transfer_panels, heading=_("Übertragbarkeit")),
            ObjectList(SitePage.promote_panels, heading=_("Veröffentlichung")),
            ObjectList(Page.settings_panels, heading=_("Einstellungen")),
        ]
    )

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("lessons"),
        index.SearchField("transfer_pitfalls"),
        index.RelatedFields("themes", [index.SearchField("name")]),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.RelatedFields(
            "case_towns", [index.RelatedFields("town", [index.SearchField("name")])]
        ),
        index.FilterField("status"),
        index.FilterField("scope"),
        index.FilterField("period_start_year"),
    ]

    api_fields = [
        APIField("summary"),
        APIField("body"),
        APIField("lessons"),
        APIField("scope"),
        APIField("period"),
        APIField("status"),
        APIField("last_checked"),
        APIField("project_website"),
    ]

    parent_page_types = ["casestudies.CaseLibraryPage", "casestudies.CaseSectionPage"]
    subpage_types = []

    base_form_class = CasePageForm

    class Meta:
        verbose_name = _("Praxisfall")
        verbose_name_plural = _("Praxisfälle")

    def clean(self):
        super().clean()
        # Embeds, feeds and the importer find a case by its slug: unique in the whole library,
        # not only among its siblings (cases live in the library and in its sections).
        if CasePage.objects.filter(slug=self.slug).exclude(pk=self.pk).exists():
            raise ValidationError(
                {"slug": _("Ein anderer Praxisfall verwendet diese Adresse bereits.")}
            )
        try:
            parse_period(self.period)
        except ValidationError as error:
            raise ValidationError({"period": error.messages}) from error

    def save(self, *args, **kwargs):
        store_period(self)
        self.transfer_duration_class = duration_class_for(self.transfer_duration)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "transfer_duration" in update_fields:
            kwargs["update_fields"] = {*update_fields, "transfer_duration_class"}
        super().save(*args, **kwargs)

    def publish(self, revision, user=None, log_action=True, **kwargs):
        """Publishing needs the core facts (casestudies.completeness). Checked when a person
        publishes (edit form, workflow approval, bulk action, status change: ``user`` is
        set) and when a scheduled revision goes live; scripts without a user (the demo
        loader, tests' fixtures) are trusted."""
        scheduled = log_action == "wagtail.publish.scheduled"
        if user is not None or scheduled:
            try:
                require_complete(revision.as_object())
            except IncompleteCase as error:
                if not scheduled:
                    raise
                # publish_scheduled must not stop at one case: unschedule it and say why.
                logger.warning(
                    "Scheduled revision %s of case %s not published: %s",
                    revision.pk,
                    self.pk,
                    "; ".join(error.messages),
                )
                revision.approved_go_live_at = None
                revision.save(update_fields=["approved_go_live_at"])
                return None
        return super().publish(revision, user=user, log_action=log_action, **kwargs)

    @classmethod
    def with_listing_data(cls, queryset):
        """Prefetch what a case card shows, so a listing costs a fixed number of queries."""
        if hasattr(queryset, "prefetch_related"):
            queryset = queryset.defer_streamfields().prefetch_related(
                models.Prefetch("case_towns", queryset=CaseTown.objects.select_related("town")),
                "themes",
            )
        return queryset

    @property
    def check_is_due(self):
        """ "Zuletzt geprüft" is missing or older than CASE_CHECK_MAX_AGE_MONTHS."""
        return is_due(self.last_checked)

    @property
    def check_max_age_months(self):
        return settings.CASE_CHECK_MAX_AGE_MONTHS

    @cached_property
    def town_links(self):
        """The case's towns with their roles: on the case page from its facts (one query
        for all its links, casestudies.facts), elsewhere from the ORM (listings prefetch
        them with their towns)."""
        facts = self.__dict__.get("case_facts")
        if facts is not None:
            return facts.town_links
        return list(self.case_towns.all())

    @cached_property
    def towns(self):
        return [link.town for link in self.town_links]

    @cached_property
    def states(self):
        seen = {}
        for town in self.towns:
            seen.setdefault(town.state, town.get_state_display())
        return seen

    @cached_property
    def size_classes(self):
        classes = []
        for town in self.towns:
            if town.size_class and town.size_class not in classes:
                classes.append(town.size_class)
        return [(value, SizeClass(value).label) for value in classes]

    @cached_property
    def transfer_facts(self):
        """Budget, costs, funding rate, staff, time and council decisions, each with its
        label and "" where not given (components/transfer_facts.html)."""
        return transfer_facts(self)

    @property
    def town_names(self):
        return ", ".join(town.name for town in self.towns)

    def get_library(self):
        return CaseLibraryPage.objects.ancestor_of(self).first()

    def get_context(self, request, *args, **kwargs):
        # casestudies.facts imports this module's models at its top.
        from .facts import load_facts

        context = super().get_context(request, *args, **kwargs)
        # The fact box and the JSON-LD in the head list towns, themes and tags: one query,
        # made only where a template uses them (a cached fragment of the page shows them).
        facts = self.case_facts = SimpleLazyObject(lambda: load_facts(self, request))
        context["facts"] = facts
        library = getattr(request, "case_library", None)
        library = library if library is not None else self.get_library()
        context["library"] = library
        section = getattr(request, "case_section", None)
        if section is None and library is not None and self.depth > library.depth + 1:
            section = CaseSectionPage.objects.ancestor_of(self).first()
        context["section"] = section
        context["contacts"] = SimpleLazyObject(lambda: facts.contacts)
        from .handout import case_links  # WeasyPrint: see handout_route

        # Evaluated only where a template uses them: a cached fragment of the page
        # ({% publiccache %}) already shows them.
        context["case_links"] = SimpleLazyObject(lambda: case_links(self, request, library))
        context["related"] = SimpleLazyObject(lambda: related(self.pk) if self.live else [])
        context["fragment_scope"] = page_fragment_scope(self, request)
        return context
