"""What can be embedded, and the HTML a partner puts on their page.

An embed target is a case (as a card or in full) or a selection of cases. Targets are read
from URLs of this site (case pages, the library and its theme pages, the search page and
the embed routes themselves); anything else is not ours to embed.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, QueryDict
from django.templatetags.static import static
from django.urls import Resolver404, resolve, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from wagtail.models import Site

from casestudies.models import CaseLibraryPage, CasePage
from core.links import absolute_url
from search.service import SearchError

from .selection import Selection, selection_from_params

# Default iframe sizes (width, height) in CSS pixels; the resizer adapts the height.
SIZES = {"karte": (480, 380), "fall": (720, 1200), "liste": (640, 900)}
LIST_DEFAULT_COUNT = 10
LIST_MAX_COUNT = 50


@dataclass
class Target:
    kind: str  # karte, fall or liste
    case: CasePage | None = None
    selection: Selection | None = None
    count: int = LIST_DEFAULT_COUNT

    def embed_path(self):
        if self.kind == "liste":
            params = self.selection.params()
            if self.count != LIST_DEFAULT_COUNT:
                params.append(("anzahl", str(self.count)))
            query = QueryDict(mutable=True)
            for name, value in params:
                query.appendlist(name, value)
            encoded = query.urlencode()
            return reverse("partners:embed_list") + (f"?{encoded}" if encoded else "")
        name = "partners:embed_card" if self.kind == "karte" else "partners:embed_case"
        return reverse(name, kwargs={"slug": self.case.slug})


def case_by_slug(slug):
    case = CasePage.objects.live().public().filter(slug=slug).first()
    if case is None:
        raise Http404
    return case


def _our_hosts(request):
    hosts = {request.get_host().lower()}
    base = urlsplit(getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "")
    if base.netloc:
        hosts.add(base.netloc.lower())
    for hostname, port in Site.objects.values_list("hostname", "port"):
        hosts.add(hostname.lower() if port in (80, 443) else f"{hostname.lower()}:{port}")
    return hosts


def _route_page(host, path):
    """The page (and routable-page view) Wagtail would serve for a path, or Http404."""
    fake = HttpRequest()
    fake.META = {"HTTP_HOST": host, "SERVER_NAME": host.split(":")[0], "SERVER_PORT": "80"}
    fake.path = path
    site = Site.find_for_request(fake)
    if site is None:
        raise Http404
    components = [part for part in path.split("/") if part]
    return site.root_page.specific.route(fake, components)


def target_from_url(url, request, kind=None):
    """The embed target behind a URL of this site; Http404 for anything else."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
    except ValueError:
        raise SearchError(_("Die Adresse ist ungültig.")) from None
    if parts.scheme not in ("http", "https") or parts.netloc.lower() not in _our_hosts(request):
        raise Http404
    path = parts.path or "/"
    params = QueryDict(parts.query)
    try:
        match = resolve(path)
    except Resolver404:
        raise Http404 from None

    if match.view_name == "search":
        return Target("liste", selection=selection_from_params(params))
    if match.view_name in ("partners:embed_case", "partners:embed_card"):
        default = "karte" if match.view_name == "partners:embed_card" else "fall"
        return Target(kind or default, case=case_by_slug(match.kwargs["slug"]))
    if match.view_name == "partners:embed_list":
        return list_target(params)
    if match.view_name != "wagtail_serve":
        raise Http404

    page, args, _kwargs = _route_page(parts.netloc, path)
    if isinstance(page, CasePage):
        if not page.live or page.get_view_restrictions().exists():
            raise Http404
        return Target(kind or "karte", case=page)
    if isinstance(page, CaseLibraryPage) and args:
        view, _view_args, view_kwargs = args
        if view.__name__ == "index_route":
            return Target("liste", selection=selection_from_params(params))
        if view.__name__ == "theme_route":
            selection = selection_from_params(params, theme_slug=view_kwargs["slug"])
            return Target("liste", selection=selection)
    raise Http404


def list_target(params):
    """A list target from the embed route's own parameters (selection plus ``anzahl``)."""
    raw = params.get("anzahl") or str(LIST_DEFAULT_COUNT)
    # ASCII digits only ("²".isdigit() is true) and short, so int() cannot fail.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or not (
        1 <= int(raw) <= LIST_MAX_COUNT
    ):
        raise SearchError(_("„anzahl“ muss eine ganze Zahl von 1 bis %d sein.") % LIST_MAX_COUNT)
    return Target("liste", selection=selection_from_params(params), count=int(raw))


def iframe_html(src, title, width, height, resizer_src, max_height=None):
    """The snippet a partner pastes: an iframe and the resizer that fits it to its
    content. Shared by the "Einbetten" box and the oEmbed response."""
    iframe = format_html(
        '<iframe src="{}" title="{}" width="{}" height="{}" loading="lazy" '
        'style="border:0;width:100%;max-width:{}px;height:{}px"{}'
        " data-praxisatlas-embed></iframe>",
        src,
        title,
        width,
        height,
        width,
        height,
        format_html(' data-max-height="{}"', max_height) if max_height else "",
    )
    script = format_html('<script async src="{}"></script>', resizer_src)
    return iframe + "\n" + script


def resizer_url(request):
    return absolute_url(static("partners/resizer.js"), request)
