"""Page behaviour that keeps the number of SQL queries per request small.

Wagtail's defaults spend queries a public site can do without:

- ``Page.route`` looks a child up by slug and then loads its specific model: two queries per
  level. ``SitePage.route`` loads the child together with its specific model (a join per
  allowed subpage type) in one query, and notes on the page whether it, an ancestor or an
  alias on the way has a view restriction.
- ``Page.get_view_restrictions`` lists the ancestors and then their restrictions: two queries
  per request. The note above makes it none for a page without restrictions; otherwise one.
- ``PageQuerySet.public()`` loads every view restriction before the listing itself: one extra
  query per listing. ``SitePageQuerySet.public()`` is one ``NOT EXISTS`` subquery instead.

Routing walks through the pages between the site root and the requested page (the home
page, the case library, a section). They are the same for every request, so ``PageTree`` keeps
them per content generation (``core.memo``): every page of a type that can have children, and
every child of a site root, with their view-restriction notes. Routing then costs one query
below the site root, for the requested page itself. Pages from the memo are handed out as
copies, so nothing a request sets on them reaches the next request.

The site of a request and the site root paths come from Wagtail itself
(``Site.find_for_request``, ``Site.get_site_root_paths``), which keeps them on the request
and in the cache and invalidates them when a site changes: only public API here.
"""

import copy
import functools
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length, Substr
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, TitleFieldPanel
from wagtail.models import Page, PageManager, PageViewRestriction, get_page_models
from wagtail.query import PageQuerySet

from .forms import SitePageForm
from .links import absolute_page_url
from .memo import memoised
from .widgets import GermanSlugInput

STEPLEN = Page.steplen


def ancestor_paths(path, inclusive=True):
    """Treebeard paths of the ancestors of the page at ``path`` (root first)."""
    end = len(path) if inclusive else len(path) - STEPLEN
    return [path[:length] for length in range(STEPLEN, end + 1, STEPLEN)]


def restricted_ancestors_exist(paths, outer_pk="pk"):
    """Subquery: does the page (``outer_pk``) or one of ``paths`` carry a view restriction or
    stand for another page (an alias, whose source's restrictions apply)?"""
    return Exists(
        Page.objects.filter(Q(path__in=paths) | Q(pk=OuterRef(outer_pk))).filter(
            Q(alias_of__isnull=False) | Q(view_restrictions__isnull=False)
        )
    )


def is_container_model(model):
    """Can pages of this type have children?"""
    return bool(model.allowed_subpage_models())


class PageTree:
    """The pages routing walks through, with their view-restriction notes (see above)."""

    def __init__(self):
        # Paths of pages that carry a view restriction or stand for another page (an alias).
        self.flagged_paths = set(
            PageViewRestriction.objects.values_list("page__path", flat=True)
        ) | set(Page.objects.filter(alias_of__isnull=False).values_list("path", flat=True))
        containers = [model for model in get_page_models() if is_container_model(model)]
        pages = (
            Page.objects.filter(
                Q(depth__lte=3)
                | Q(content_type__in=ContentType.objects.get_for_models(*containers).values())
            )
            .order_by("path")
            .specific()
        )
        self.by_id = {}
        self.by_path = {}
        self.children = defaultdict(dict)
        for page in pages:
            page.has_restrictions = self.restricted(page.path)
            self.by_id[page.pk] = page
            self.by_path[page.path] = page
            self.children[page.path[:-STEPLEN]][page.slug] = page

    def restricted(self, path, is_alias=False):
        """Does the page at ``path`` (an alias if ``is_alias``) or an ancestor carry a view
        restriction or stand for another page?"""
        return is_alias or any(ancestor in self.flagged_paths for ancestor in ancestor_paths(path))

    def child(self, parent, slug):
        page = self.children.get(parent.path, {}).get(slug)
        return copy.copy(page) if page is not None else None

    def parent(self, page):
        """A copy of the parent of ``page`` if it is in the tree (every page with children
        is), else None."""
        parent = self.by_path.get(page.path[:-STEPLEN])
        return copy.copy(parent) if parent is not None else None

    def all_children(self, parent):
        """The children themselves, not copies: for reading only (the navigation)."""
        return list(self.children.get(parent.path, {}).values())


@functools.cache
def child_sql(model, vendor):
    """SQL that selects a ``model`` page with all its columns (the page row joined with the
    rows of its specific model) by parent path, depth and slug. Written once per model from
    the model's ``_meta``: compiling the ORM query of a page model with its many columns
    costs several times what running it does, and routing runs it on every request."""
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    columns = [field.column for field in fields]
    if len(set(columns)) != len(columns):
        raise ValueError(f"{model.__name__}: a column name repeats across its tables")
    page_table = quote(Page._meta.db_table)
    joins = "".join(
        f" JOIN {quote(parent._meta.db_table)} ON "
        f"{quote(parent._meta.db_table)}.{quote(parent._meta.pk.column)} = "
        f"{page_table}.{quote(Page._meta.pk.column)}"
        for parent in [*reversed(model._meta.get_parent_list()), model]
        if parent is not Page
    )
    select = ", ".join(
        f"{quote(field.model._meta.db_table)}.{quote(field.column)}" for field in fields
    )
    where = (
        f"{page_table}.{quote('path')} LIKE %s AND {page_table}.{quote('depth')} = %s "
        f"AND {page_table}.{quote('slug')} = %s"
    )
    return f"SELECT {select} FROM {page_table}{joins} WHERE {where}"  # noqa: S608 - names from _meta


def child_by_slug(model, parent, slug):
    """The child of ``parent`` of type ``model`` with this slug (live or draft), or None:
    one raw query (``Manager.raw``), the SQL written once per model (:func:`child_sql`).
    Treebeard paths are letters and digits, so the prefix needs no LIKE escaping."""
    found = list(
        model._default_manager.raw(
            child_sql(model, connection.vendor), [parent.path + "%", parent.depth + 1, slug]
        )
    )
    return found[0] if found else None


def page_tree(request=None):
    return memoised("core.pages.PageTree", PageTree, request)


class SitePageQuerySet(PageQuerySet):
    # Overrides Wagtail's private_q(), which public() and not_public() use.
    def private_q(self):
        # A page is private if a view restriction sits on it or on one of its ancestors: the
        # restricted page's path is a prefix of the page's path. The uncorrelated EXISTS in
        # front is evaluated once: without any restriction the per-row check never runs.
        return Q(Exists(PageViewRestriction.objects.all())) & Q(
            Exists(
                PageViewRestriction.objects.filter(
                    page__path=Substr(OuterRef("path"), 1, Length("page__path"))
                )
            )
        )


class SitePageManager(PageManager.from_queryset(SitePageQuerySet)):
    pass


class SitePage(Page):
    """The base of every page model of the site."""

    objects = SitePageManager()

    # The address sits right under the title on the first tab: it is derived from the title
    # while the page is new (German spelling, core.widgets), and an error in it is seen where
    # the editor is working, not on a hidden tab.
    content_panels = [
        TitleFieldPanel("title"),
        FieldPanel(
            "slug",
            widget=GermanSlugInput,
            heading=_("Adresse (slug)"),
            help_text=_(
                "Der letzte Teil der Internetadresse dieser Seite, zum Beispiel "
                "…/faelle/mitfahrbaenke-tangerhuette/. Wird beim Anlegen aus dem Titel gebildet "
                "(ä wird ae, ß wird ss, Leerzeichen werden Bindestriche) und kann geändert werden."
            ),
        ),
    ]
    promote_panels = [
        MultiFieldPanel(
            [FieldPanel("seo_title"), FieldPanel("search_description")],
            heading=_("Für Suchmaschinen"),
        ),
        MultiFieldPanel([FieldPanel("show_in_menus")], heading=_("Für das Seitenmenü")),
    ]

    base_form_class = SitePageForm

    class Meta:
        abstract = True

    def route(self, request, path_components):
        if not path_components:
            if getattr(self, "has_restrictions", None) is None:
                # The site root comes from Wagtail's serve view, not from the tree: note its
                # view restrictions from the memo so serving it needs no query for them.
                self.has_restrictions = page_tree(request).restricted(
                    self.path, self.alias_of_id is not None
                )
            return super().route(request, path_components)
        child = self.child_for_slug(request, path_components[0])
        if child is None:
            raise Http404
        return child.route(request, path_components[1:])

    def child_for_slug(self, request, slug):
        """The live or draft child page with this slug as its specific model: from the page
        tree memo, else in one query."""
        tree = page_tree(request)
        if self.pk in tree.by_id:
            if self.is_site_root() and request is not None:
                request.site_sections = tree.all_children(self)
            child = tree.child(self, slug)
            if child is not None:
                return child
            # The memo holds every container below this page (and every child of a site
            # root): what is left is a page without children of its own.
            leaf_models = [
                model
                for model in type(self).allowed_subpage_models()
                if not is_container_model(model) and Page in model._meta.parents
            ]
            if self.is_site_root():
                return None
            if len(leaf_models) == 1:
                child = child_by_slug(leaf_models[0], self, slug)
                if child is not None:
                    child.has_restrictions = tree.restricted(
                        child.path, child.alias_of_id is not None
                    )
                    return child
        return self.child_for_slug_query(request, slug)

    def child_for_slug_query(self, request, slug):
        """The live or draft child page with this slug as its specific model, in one query
        (the subpage types that extend ``Page`` directly are joined in)."""
        joins = {
            model._meta.model_name: model
            for model in type(self).allowed_subpage_models()
            if Page in model._meta.parents
        }
        queryset = (
            Page.objects.child_of(self)
            .select_related(*joins)
            .annotate(
                has_restrictions=restricted_ancestors_exist(ancestor_paths(self.path)),
            )
        )
        # The home page loads all its sections at once (a handful): the navigation needs some
        # of them on every page.
        sections = list(queryset) if self.is_site_root() else queryset.filter(slug=slug)
        specific_sections = []
        found = None
        for page in sections:
            specific = self._specific_from_join(page, joins)
            specific_sections.append(specific)
            if page.slug == slug:
                found = specific
        if self.is_site_root() and request is not None:
            request.site_sections = specific_sections
        return found

    @staticmethod
    def _specific_from_join(page, joins):
        model = page.specific_class
        name = model._meta.model_name if model is not None else None
        specific = getattr(page, name, None) if name in joins else None
        if specific is None:
            specific = page.specific
        specific.has_restrictions = page.has_restrictions
        return specific

    def is_site_root(self):
        return self.depth == 2

    def parent_page(self, request=None):
        """The parent page as its specific model, for breadcrumbs and back links: from the
        page tree memo (a page with children is always in it), else one query."""
        parent = page_tree(request).parent(self)
        return parent if parent is not None else self.get_parent().specific

    def get_sitemap_urls(self, request=None):
        # Wagtail's default takes the host from the Site record (``localhost``), not the
        # host the sitemap was asked at (core.links).
        return [
            {
                "location": absolute_page_url(self, request),
                "lastmod": self.last_published_at or self.latest_revision_created_at,
            }
        ]

    def get_view_restrictions(self):
        if getattr(self, "has_restrictions", None) is False:
            return PageViewRestriction.objects.none()
        paths = ancestor_paths(self.path)
        return PageViewRestriction.objects.filter(
            Q(page__path__in=paths) | Q(page__aliases__path__in=paths)
        ).distinct()
