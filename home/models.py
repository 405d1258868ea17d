from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from casestudies.models import CaseLibraryPage, CasePage, Theme
from core.blocks import RICH_TEXT_FEATURES
from core.memo import memoised
from core.pages import SitePage, page_tree


class FeaturedCase(Orderable):
    page = ParentalKey("home.HomePage", on_delete=models.CASCADE, related_name="featured_cases")
    case = models.ForeignKey(
        "casestudies.CasePage",
        verbose_name=_("Praxisfall"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    panels = [FieldPanel("case")]


class HomePage(SitePage):
    lead = models.TextField(_("Leitsatz"), blank=True)
    intro = RichTextField(_("Einleitung"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = SitePage.content_panels + [
        FieldPanel("lead"),
        FieldPanel("intro"),
        InlinePanel("featured_cases", label=_("Ausgewählte Fälle"), max_num=6),
    ]

    search_fields = Page.search_fields + [index.SearchField("lead"), index.SearchField("intro")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("Startseite")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["featured"] = self.featured(request)
        context["library"] = next(
            (
                section
                for section in page_tree(request).all_children(self)
                if isinstance(section, CaseLibraryPage) and section.live
            ),
            None,
        )
        # The same for every visitor until something is published, unpublished or a theme
        # changes: kept per content generation (core.memo) like the navigation.
        context["themes"] = memoised("home.themes", lambda: list(Theme.objects.all()), request)
        context["case_count"] = memoised(
            f"home.case_count.{self.pk}",
            lambda: CasePage.objects.live().public().descendant_of(self).count(),
            request,
        )
        return context

    def featured(self, request):
        """The featured cases in their order, with their card data. Served: the featured rows
        are a subquery of the cases' query. In a preview the featured list of the draft."""
        cases = CasePage.objects.live().public()
        if getattr(request, "is_preview", False):
            featured_ids = [item.case_id for item in self.featured_cases.all()]
            by_id = {
                case.pk: case
                for case in CasePage.with_listing_data(cases.filter(pk__in=featured_ids))
            }
            return [by_id[pk] for pk in featured_ids if pk in by_id]
        rows = FeaturedCase.objects.filter(page=self)
        order = rows.filter(case=OuterRef("pk")).values("sort_order")[:1]
        return list(
            CasePage.with_listing_data(
                cases.filter(pk__in=rows.values("case_id"))
                .annotate(featured_order=Subquery(order))
                .order_by("featured_order")
            )
        )


LEGAL_RICH_TEXT_FEATURES = ["h2", *RICH_TEXT_FEATURES]


class LegalPage(SitePage):
    """Impressum, Datenschutzerklärung, Erklärung zur Barrierefreiheit and other plain pages
    of text that every page links to in its footer. ``kind`` says which legal duty a page
    fulfils, so the footer and the site setup find it whatever its title and slug."""

    class Kind(models.TextChoices):
        IMPRINT = "impressum", _("Impressum")
        PRIVACY = "datenschutz", _("Datenschutzerklärung")
        ACCESSIBILITY = "barrierefreiheit", _("Erklärung zur Barrierefreiheit")
        OTHER = "sonstige", _("Sonstige Seite")

    kind = models.CharField(
        _("Art der Seite"),
        max_length=20,
        choices=Kind.choices,
        default=Kind.OTHER,
        help_text=_(
            "Impressum, Datenschutz und Barrierefreiheit stehen in dieser Reihenfolge in der "
            "Fußzeile jeder Seite."
        ),
    )
    intro = models.TextField(_("Einleitung"), blank=True)
    body = RichTextField(_("Text"), features=LEGAL_RICH_TEXT_FEATURES, blank=True)

    content_panels = SitePage.content_panels + [
        FieldPanel("kind"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]

    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["home.HomePage"]
    subpage_types = []

    FOOTER_ORDER = [Kind.IMPRINT, Kind.PRIVACY, Kind.ACCESSIBILITY, Kind.OTHER]

    class Meta:
        verbose_name = _("Rechtliche oder Standardseite")
        verbose_name_plural = _("Rechtliche und Standardseiten")
