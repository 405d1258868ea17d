"""Page behaviour shared by several apps."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from .blocks import RICH_TEXT_FEATURES
from .pages import SitePage


class IndexPage(SitePage):
    """A section's index page: a title and an introduction above a listing."""

    intro = RichTextField(_("Einleitung"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = SitePage.content_panels + [FieldPanel("intro")]

    search_fields = Page.search_fields + [index.SearchField("intro")]

    class Meta:
        abstract = True
