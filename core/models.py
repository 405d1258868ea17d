"""Page behaviour shared by several apps."""

from django.db import models
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


class ContentGeneration(models.Model):
    """The token that decides whether derived data is fresh (core/cache.py).

    One row per scope. Every change that public pages, memos or the search snapshot depend on
    replaces the token with an UPDATE in the transaction of the change, so every app host
    sees the new token exactly when the change becomes visible, and never before. A random
    token rather than a counter: a counter would repeat after a rolled-back transaction or a
    new database, and a cache entry stored under the repeated value would be served again.
    """

    scope = models.CharField(max_length=40, primary_key=True)
    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("Inhaltsgeneration")
        verbose_name_plural = _("Inhaltsgenerationen")

    def __str__(self):
        return f"{self.scope}: {self.token}"
