"""``{% publiccache "name" scope %}…{% endpubliccache %}``: Wagtail's fragment cache
(``{% wagtailcache %}``, which never serves or stores a fragment in a preview), keyed so that
every change is seen at once on every host.

The key of a fragment is made of:

- ``scope``: what the fragment shows beyond the shared data, e.g. a page and its revision
  (``core.fragments.page_fragment_scope``). ``None`` or ``False`` renders without the cache: a
  draft, a page behind a view restriction, a logged-in user.
- the content generation (``core.cache.generation``, a token in the database replaced in the
  transaction of every change public pages depend on), so reference data, related cases,
  navigation and view restrictions are as fresh as the page cache's;
- the language, the scheme and host the request was made to (absolute links, oEmbed, Open
  Graph), the template being rendered (its blocks inside the fragment: which menu item is
  current) and the release of the static files (hashed file names in the fragment).

Fragments live in the ``template_fragments`` cache: Redis with ``REDIS_URL`` (shared by all
hosts), else each process's memory. They expire after ``PAGE_CACHE_TIMEOUT``, which bounds
what depends on the date alone (upcoming events, "Prüfung liegt zurück"), as for the page
cache.
"""

from django import template
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import InvalidCacheBackendError, caches
from django.core.cache.utils import make_template_fragment_key
from django.db import DatabaseError
from django.template import Variable
from django.template.exceptions import TemplateSyntaxError
from django.utils.translation import get_language
from wagtail.templatetags.wagtail_cache import WagtailCacheNode

from ..cache import generation, page_cache_skipped

register = template.Library()

VARY_VARIABLE = "public_cache_vary"
# Default expiry of a fragment: the page cache's lifetime (settings.PAGE_CACHE_TIMEOUT).
DEFAULT_TIMEOUT = "fragment_cache_timeout"


def static_release():
    """A token for the deployed static files: the manifest's hash with hashed file names
    (production), else empty (development serves files by their plain names)."""
    return getattr(staticfiles_storage, "manifest_hash", "")


class PublicCacheNode(WagtailCacheNode):
    def __init__(self, nodelist, expire_time_var, fragment_name, vary_on, cache_name):
        self.scope = vary_on[0] if vary_on else None
        super().__init__(
            nodelist,
            expire_time_var,
            fragment_name,
            [*vary_on, Variable(VARY_VARIABLE)],
            cache_name,
        )

    def render(self, context):
        request = context.get("request")
        # A scope variable missing from the context means no cache (never one fragment
        # shared by every page that forgot to set it).
        scope = self.scope.resolve(context, ignore_failures=True) if self.scope else ""
        if request is None or scope is None or scope is False:
            return self.nodelist.render(context)
        try:
            token = generation()
        except DatabaseError:
            # A page about an unreachable database is rendered, never cached.
            return self.nodelist.render(context)
        template_name = context.template.name if context.template is not None else ""
        vary = (
            token,
            get_language(),
            request.scheme,
            request.get_host(),
            template_name,
            static_release(),
        )
        skipped_before = page_cache_skipped()
        with context.update({VARY_VARIABLE: vary, DEFAULT_TIMEOUT: settings.PAGE_CACHE_TIMEOUT}):
            rendered = super().render(context)
            if page_cache_skipped() and not skipped_before:
                # Rendered incomplete for a moment (core.cache.skip_page_cache: e.g. without
                # related cases while the search state is built): not kept, as the page isn't.
                fragment_cache().delete(
                    make_template_fragment_key(
                        self.fragment_name, [var.resolve(context) for var in self.vary_on]
                    )
                )
        return rendered


def fragment_cache():
    """The cache Django's ``{% cache %}`` uses without a cache name."""
    try:
        return caches["template_fragments"]
    except InvalidCacheBackendError:
        return caches["default"]


@register.tag("publiccache")
def do_publiccache(parser, token):
    """``{% publiccache "name" [scope] [timeout=seconds] %}``; parsed as Wagtail parses
    ``{% wagtailcache %}``, with the name first and the timeout optional."""
    nodelist = parser.parse(("endpubliccache",))
    parser.delete_first_token()
    tokens = token.split_contents()
    if len(tokens) < 2:
        raise TemplateSyntaxError(f"'{tokens[0]}' tag requires a fragment name.")
    timeout = DEFAULT_TIMEOUT
    if tokens[-1].startswith("timeout="):
        timeout = tokens.pop()[len("timeout=") :]
    name = tokens[1].strip("\"'")
    return PublicCacheNode(
        nodelist,
        parser.compile_filter(timeout),
        name,
        [parser.compile_filter(t) for t in tokens[2:3]],
        None,
    )
