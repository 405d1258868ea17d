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
"""

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length, Substr
from django.http import Http404
from wagtail.models import Page, PageManager, PageViewRestriction
from wagtail.query import PageQuerySet

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

    def get_view_restrictions(self):
        if getattr(self, "has_restrictions", None) is False:
            return PageViewRestriction.objects.none()
        paths = ancestor_paths(self.path)
        return PageViewRestriction.objects.filter(
            Q(page__path__in=paths) | Q(page__aliases__path__in=paths)
        ).distinct()
