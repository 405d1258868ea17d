"""RSS and Atom feeds of new and updated cases, for the whole library or any selection
(the same query parameters as the library and the search page)."""

from django.contrib.syndication.views import Feed
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from casestudies.models import CasePage
from core.api import documented
from core.links import absolute_page_url
from core.text import xml_safe
from search.service import SearchError

from . import openapi, selection
from .middleware import public_data
from .views import list_title

FEED_LENGTH = 30


class XMLSafeFeedMixin:
    """Feed types that drop the characters XML 1.0 cannot carry (a control character in a
    title would otherwise end the feed with an error)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*xml_safe(args), **{key: xml_safe(v) for key, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        return super().add_item(*xml_safe(args), **{key: xml_safe(v) for key, v in kwargs.items()})


class SafeRssFeed(XMLSafeFeedMixin, Rss201rev2Feed):
    pass


class SafeAtomFeed(XMLSafeFeedMixin, Atom1Feed):
    pass


class CaseFeed(Feed):
    feed_type = SafeRssFeed
    url_name = "partners:feed_rss"

    def get_object(self, request):
        chosen = selection.selection_from_params(request.GET)
        result = selection.run(chosen)
        ids = result.page_ids
        # New and updated cases first, whatever order the selection has.
        cases = (
            CasePage.objects.live()
            .public()
            .filter(pk__in=ids)
            .defer_streamfields()
            .prefetch_related("case_towns__town", "themes")
            .order_by("-last_published_at", "-pk")[:FEED_LENGTH]
        )
        self.request = request
        return {"result": result, "cases": list(cases)}

    def title(self, obj):
        return _("%(title)s – neu und aktualisiert im Praxisatlas Kleinstadt") % {
            "title": list_title(obj["result"])
        }

    def subtitle(self, obj):
        return _("Neue und aktualisierte Praxisfälle übertragbarer Praxis für Kleinstädte.")

    description = subtitle

    def link(self, obj):
        return obj["result"].selection.canonical_path()

    def feed_url(self, obj):
        return reverse(self.url_name) + obj["result"].selection.query_string()

    def items(self, obj):
        return obj["cases"]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.get_url(self.request)

    def item_guid(self, item):
        return absolute_page_url(item, self.request)

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at

    def item_author_name(self, item):
        return ", ".join(link.town.name for link in item.case_towns.all()) or None

    def item_categories(self, item):
        return [theme.name for theme in item.themes.all()]


class AtomCaseFeed(CaseFeed):
    feed_type = SafeAtomFeed
    url_name = "partners:feed_atom"


def _feed_view(feed_class):
    @public_data
    def view(request):
        try:
            response = feed_class()(request)
        except SearchError as error:
            return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
        patch_cache_control(response, public=True, max_age=300)
        return response

    view.__name__ = feed_class.__name__
    return view


rss = documented(
    summary="RSS 2.0: neue und aktualisierte Fälle der Auswahl",
    parameters=openapi.SELECTION_PARAMETERS,
    responses={**openapi.text(200, "RSS", "application/rss+xml"), **openapi.BAD_FILTER},
)(_feed_view(CaseFeed))
atom = documented(
    summary="Atom 1.0: neue und aktualisierte Fälle der Auswahl",
    parameters=openapi.SELECTION_PARAMETERS,
    responses={**openapi.text(200, "Atom", "application/atom+xml"), **openapi.BAD_FILTER},
)(_feed_view(AtomCaseFeed))
