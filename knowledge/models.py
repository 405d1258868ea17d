"""The knowledge base: guides and methods with structured steps, and the glossary."""

from django import forms
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from core.blocks import RICH_TEXT_FEATURES
from core.models import IndexPage
from core.pages import SitePage
from core.visibility import public_links

from .blocks import DownloadsBlock, StepsBlock


class KnowledgeIndexPage(IndexPage):
    """Lists the guides and methods; the glossary is a child page."""

    parent_page_types = ["home.HomePage"]
    subpage_types = ["knowledge.GuidePage", "knowledge.GlossaryPage"]
    max_count = 1

    class Meta:
        verbose_name = _("Wissensübersicht")
        verbose_name_plural = _("Wissensübersichten")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        guides = (
            GuidePage.objects.live()
            .public()
            .child_of(self)
            .defer_streamfields()
            .prefetch_related("themes")
            .order_by("title")
        )
        kind = request.GET.get("art")
        if kind in GuidePage.Kind.values:
            guides = guides.filter(kind=kind)
        else:
            kind = ""
        context["guides"] = guides
        context["selected_kind"] = kind
        context["kinds"] = GuidePage.Kind.choices
        context["glossary"] = GlossaryPage.objects.live().child_of(self).first()
        return context


class GuideCase(Orderable):
    """A case that applies the guide, with what it shows."""

    page = ParentalKey("knowledge.GuidePage", on_delete=models.CASCADE, related_name="guide_cases")
    case = models.ForeignKey(
        "casestudies.CasePage",
        verbose_name=_("Praxisfall"),
        on_delete=models.CASCADE,
        related_name="guide_links",
    )
    note = models.CharField(
        _("Was der Fall zeigt"),
        max_length=255,
        blank=True,
        help_text=_("Ein Satz: Wofür ist der Fall ein Beispiel?"),
    )

    panels = [FieldPanel("case"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        verbose_name = _("Praxisfall zum Leitfaden")
        verbose_name_plural = _("Praxisfälle zum Leitfaden")


class GuidePage(SitePage):
    # Saving one starts a new content generation: core.memo keeps data derived from them.
    feeds_memos = True

    class Kind(models.TextChoices):
        GUIDE = "leitfaden", _("Leitfaden")
        METHOD = "methode", _("Methode")

    kind = models.CharField(_("Art"), max_length=10, choices=Kind.choices, default=Kind.GUIDE)
    summary = models.TextField(
        _("Kurzfassung"),
        max_length=400,
        help_text=_("Ein bis zwei Sätze für Listen, Suche und Vorschauen."),
    )
    intro = RichTextField(_("Worum es geht"), features=RICH_TEXT_FEATURES, blank=True)
    prerequisites = RichTextField(_("Voraussetzungen"), features=RICH_TEXT_FEATURES, blank=True)
    costs = models.TextField(_("Kosten"), blank=True)
    duration = models.CharField(_("Zeitbedarf"), max_length=200, blank=True)
    staff = models.CharField(_("Personal"), max_length=255, blank=True)
    steps = StreamField(StepsBlock(), verbose_name=_("Schritte"), blank=True)
    pitfalls = RichTextField(_("Stolpersteine"), features=RICH_TEXT_FEATURES, blank=True)
    downloads = StreamField(DownloadsBlock(), verbose_name=_("Downloads"), blank=True)
    themes = ParentalManyToManyField(
        "casestudies.Theme", verbose_name=_("Themen"), related_name="guides", blank=True
    )

    content_panels = SitePage.content_panels + [
        FieldPanel("kind"),
        FieldPanel("summary"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("prerequisites"),
                FieldRowPanel([FieldPanel("duration"), FieldPanel("staff")]),
                FieldPanel("costs"),
            ],
            heading=_("Was es braucht"),
        ),
        FieldPanel("steps"),
        FieldPanel("pitfalls"),
        FieldPanel("downloads"),
        FieldPanel("themes", widget=forms.CheckboxSelectMultiple),
        InlinePanel("guide_cases", label=_("Praxisfall"), heading=_("Fälle, die ihn anwenden")),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("intro"),
        index.SearchField("steps"),
        index.FilterField("kind"),
    ]

    parent_page_types = ["knowledge.KnowledgeIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("Leitfaden / Methode")
        verbose_name_plural = _("Leitfäden und Methoden")

    @cached_property
    def case_links(self):
        """The live cases that apply the guide, in the editor's order."""
        return public_links(self.guide_cases.select_related("case").order_by("sort_order"))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["parent"] = self.parent_page(request)
        return context

    @property
    def step_count(self):
        return sum(1 for block in self.steps if block.block_type == "step")


class GlossaryPage(IndexPage):
    """The glossary: all terms from A to Z."""

    parent_page_types = ["knowledge.KnowledgeIndexPage"]
    subpage_types = ["knowledge.GlossaryTermPage"]
    max_count = 1

    class Meta:
        verbose_name = _("Glossar")
        verbose_name_plural = _("Glossare")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        terms = sorted(
            GlossaryTermPage.objects.live().public().child_of(self),
            key=lambda term: term.title.casefold(),
        )
        groups = {}
        for term in terms:
            groups.setdefault(term.initial, []).append(term)
        context["groups"] = list(groups.items())
        return context


class GlossaryTermPage(SitePage):
    """One term. Its first occurrence in the text of a case or guide links here."""

    # Saving one starts a new content generation: core.memo keeps data derived from them.
    feeds_memos = True

    long_form = models.CharField(
        _("Langform"),
        max_length=200,
        blank=True,
        help_text=_("Bei Abkürzungen die ausgeschriebene Form, z. B. für ExWoSt."),
    )
    definition = models.TextField(
        _("Kurzdefinition"), max_length=400, help_text=_("Ein bis zwei Sätze.")
    )
    body = RichTextField(_("Erläuterung"), features=RICH_TEXT_FEATURES, blank=True)
    variants = models.CharField(
        _("Weitere Formen"),
        max_length=400,
        blank=True,
        help_text=_(
            "Kommagetrennte Schreibweisen, die ebenfalls verlinkt werden, "
            "z. B. „Bürgerräte, Bürgerrates“. Übliche Endungen (-s, -e, -en) gelten automatisch."
        ),
    )
    link_in_text = models.BooleanField(
        _("Im Text verlinken"),
        default=True,
        help_text=_("Das erste Vorkommen in Fällen und Leitfäden auf diesen Eintrag verlinken."),
    )

    content_panels = SitePage.content_panels + [
        FieldPanel("long_form"),
        FieldPanel("definition"),
        FieldPanel("body"),
        FieldRowPanel([FieldPanel("variants"), FieldPanel("link_in_text")]),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("long_form"),
        index.SearchField("definition"),
        index.SearchField("body"),
    ]

    parent_page_types = ["knowledge.GlossaryPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("Glossarbegriff")
        verbose_name_plural = _("Glossarbegriffe")

    @property
    def initial(self):
        letter = self.title[:1].upper()
        return {"Ä": "A", "Ö": "O", "Ü": "U"}.get(letter, letter)

    @property
    def forms(self):
        """Every spelling that links here: the title and the listed variants."""
        forms = [self.title, *(v.strip() for v in self.variants.split(","))]
        return [form for form in dict.fromkeys(forms) if form]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["glossary"] = self.parent_page(request)
        return context
