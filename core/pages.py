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

Routing needs the site and the pages between the site root and the requested page (the home
page, the case library, a section). They are the same for every request, so ``PageTree`` keeps
them per content generation (``core.memo``): every page of a type that can have children, and
every child of a site root, with their view-restriction notes. Routing then costs one query,
for the requested page itself. Pages from the memo are handed out as copies, so nothing a
request sets on them reaches the next request.
"""

import copy
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length, Substr
from django.http import Http404
from wagtail.models import Page, PageManager, PageViewRestriction, Site, get_page_models
from wagtail.query import PageQuerySet

from .memo import memoised

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
        self.children = defaultdict(dict)
        root_paths = site_root_paths()
        for page in pages:
            page.has_restrictions = self.restricted(page.path)
            # Where Wagtail keeps them when a page's URL is asked for without a request.
            page._wagtail_cached_site_root_paths = root_paths
            self.by_id[page.pk] = page
            self.children[page.path[:-STEPLEN]][page.slug] = page

    def restricted(self, path, is_alias=False):
        """Does the page at ``path`` (an alias if ``is_alias``) or an ancestor carry a view
        restriction or stand for another page?"""
        return is_alias or any(ancestor in self.flagged_paths for ancestor in ancestor_paths(path))

    def child(self, parent, slug):
        page = self.children.get(parent.path, {}).get(slug)
        return copy.copy(page) if page is not None else None

    def all_children(self, parent):
        """The children themselves, not copies: for reading only (the navigation)."""
        return list(self.children.get(parent.path, {}).values())


class PreparedLookup:
    """``model`` objects by a filter whose SQL is compiled once per process and database;
    only the values change between calls. Compiling the SQL of a page model with its many
    columns costs several times what running it does, and routing runs this on every
    request. ``filters`` maps lookups to value names, e.g. ``{"slug": "slug"}``."""

    # Stand-ins the SQL is compiled with, replaced by the values of each call.
    PROBE_TEXT = "prepared-lookup-probe-{}"
    PROBE_NUMBER = 1_987_654_321

    def __init__(self, model, filters):
        self.model = model
        self.filters = filters
        self._compiled = {}

    def _compile(self, db):
        probes = {}
        lookups = {}
        for index, (lookup, name) in enumerate(self.filters.items()):
            field = self.model._meta.get_field(lookup.split("__")[0])
            probe = (
                self.PROBE_NUMBER + index
                if field.get_internal_type().endswith("IntegerField")
                else self.PROBE_TEXT.format(index)
            )
            probes[name] = probe
            lookups[lookup] = probe
        compiler = self.model._base_manager.using(db).filter(**lookups).query.get_compiler(db)
        sql, params = compiler.as_sql()
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        select_fields = compiler.klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        init_list = [column[0].target.attname for column in compiler.select[start:end]]
        return sql, params, probes, compiler, compiler.get_converters(fields), init_list, start, end

    def __call__(self, **values):
        db = router.db_for_read(self.model)
        compiled = self._compiled.get(db)
        if compiled is None:
            compiled = self._compiled[db] = self._compile(db)
        sql, probe_params, probes, compiler, converters, init_list, start, end = compiled
        params = []
        for param in probe_params:
            for name, probe in probes.items():
                if param == probe:
                    param = values[name]
                    break
                if isinstance(param, str) and isinstance(probe, str) and probe in param:
                    # A LIKE pattern (startswith and friends): the value escaped as Django
                    # escapes it.
                    value = connections[db].ops.prep_for_like_query(values[name])
                    param = param.replace(probe, value)
                    break
            params.append(param)
        with connections[db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [self.model.from_db(db, init_list, row[start:end]) for row in rows]


_child_lookups = {}


def child_by_slug(model, parent, slug):
    """The child of ``parent`` of type ``model`` with this slug (live or draft), or None."""
    lookup = _child_lookups.get(model)
    if lookup is None:
        lookup = _child_lookups[model] = PreparedLookup(
            model, {"path__startswith": "path", "depth": "depth", "slug": "slug"}
        )
    found = lookup(path=parent.path, depth=parent.depth + 1, slug=slug)
    return found[0] if found else None


def site_root_paths(request=None):
    """Wagtail's ``Site.get_site_root_paths()`` (a cache read each time) per generation."""
    return memoised("core.pages.site_root_paths", Site.get_site_root_paths, request)


def page_tree(request=None):
    return memoised("core.pages.PageTree", PageTree, request)


def find_site(request):
    """``Site.find_for_request`` from the memo, with its root page (specific) attached."""

    def build():
        site = Site._find_for_request(request)
        if site is not None:
            root = page_tree(request).by_id.get(site.root_page_id)
            if root is not None:
                site.root_page = root
        return site

    host = request._get_raw_host()
    site = memoised(("core.pages.Site", host, request.get_port()), build, request)
    if site is None:
        return None
    site = copy.copy(site)
    site.root_page = copy.copy(site.root_page)
    return site


class SiteMiddleware:
    """Finds the request's site (``request._wagtail_site``, where Wagtail looks first) and
    the site root paths in the memo instead of two queries and a cache read per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request._wagtail_site = find_site(request)
        # Where Wagtail keeps them for the request (``Page._get_site_root_paths``).
        request._wagtail_cached_site_root_paths = site_root_paths(request)
        return self.get_response(request)


class SitePageQuerySet(PageQuerySet):
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

    class Meta:
        abstract = True

    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        child = self.child_for_slug(request, path_components[0])
        if child is None:
            raise Http404
        child._cached_parent_obj = self
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

    def get_sitemap_urls(self, request=None):
        # Wagtail's default takes the host from the Site record (``localhost``), not the
        # host the sitemap was asked at (core.links).
        from .links import absolute_page_url

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
