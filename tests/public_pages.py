"""One address of every public page type, found in the database rather than written down, so a
new page type is covered as soon as demo content has one. Used by the security-header tests
and the browser's CSP test."""

from django.apps import apps
from wagtail.models import Page

# Public routes that are not Wagtail pages (or are routes of one); the part of a name before
# ":" says what kind of answer it is.
ROUTES = [
    ("html:search", "/suche/?q=Leerstand&land=NI"),
    ("html:search-empty", "/suche/"),
    ("html:places-like-mine", "/orte-wie-meiner/?einwohner=9000&land=NI"),
    ("html:places-like-mine-any", "/orte-wie-meiner/?ort=Osterbrug"),
    ("html:map", "/karte/?land=NI"),
    ("data:municipalities", "/orte-wie-meiner/gemeinden/?q=Osterb"),
    ("html:alerts", "/benachrichtigungen/?thema=wohnen"),
    ("html:codebook", "/export/codebuch/"),
    ("html:suggest", "/fall-vorschlagen/"),
    ("html:not-found", "/gibt-es-nicht/"),
    ("embed:list", "/einbetten/faelle/?thema=wohnen&anzahl=3"),
    ("data:api-search", "/api/search/?q=Leerstand"),
    ("data:api-autocomplete", "/api/autocomplete/?q=Leer"),
    ("data:api-v2", "/api/v2/faelle/?limit=2"),
    ("data:oembed", "/oembed/?url=http://testserver/faelle/"),
    ("data:rss", "/feeds/faelle/rss/"),
    ("data:atom", "/feeds/faelle/atom/"),
    ("data:csv", "/export/faelle.csv?thema=wohnen"),
    ("data:json", "/export/faelle.json?thema=wohnen"),
    ("data:xlsx", "/export/faelle.xlsx?thema=wohnen"),
    ("data:api-index", "/api/v2/"),
    ("data:sitemap", "/sitemap.xml"),
    ("data:robots", "/robots.txt"),
    ("data:calendar", "/kalender/veranstaltungen.ics"),
    ("static:css", "/static/css/site.css"),
]


def page_type_paths():
    """(name, path) of one live page of every page model, and the routes of routable ones."""
    paths = []
    for model in apps.get_models():
        if not issubclass(model, Page) or model is Page or model._meta.abstract:
            continue
        page = model.objects.live().public().order_by("path").first()
        if page is None:
            continue
        name = f"html:{model._meta.label_lower}"
        url = page.url
        paths.append((name, url))
        if model._meta.label_lower == "casestudies.caselibrarypage":
            theme = _first_theme_slug()
            paths.append(("html:themes", f"{url}thema/"))
            if theme:
                paths.append(("html:theme", f"{url}thema/{theme}/"))
            paths.append(("html:library-filtered", f"{url}?land=NI&sortierung=titel"))
        if model._meta.label_lower == "agenda.eventindexpage":
            paths.append(("html:past-events", f"{url}vergangene/"))
        if model._meta.label_lower == "casestudies.casepage":
            paths.append(("embed:card", f"/einbetten/fall/{page.slug}/karte/"))
            paths.append(("embed:case", f"/einbetten/fall/{page.slug}/"))
    return paths


def _first_theme_slug():
    from casestudies.models import Theme

    theme = Theme.objects.order_by("slug").first()
    return theme.slug if theme else None


def public_paths():
    return page_type_paths() + ROUTES
