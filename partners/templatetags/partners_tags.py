"""Discovery links, metadata and the "Einbetten" box for case and list pages."""

import json

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.links import page_url
from search.service import SearchError

from .. import selection as selections
from ..embeds import LIST_DEFAULT_COUNT, SIZES, Target, iframe_html, resizer_url
from ..views import title_for

register = template.Library()

# JSON in a <script> element must not be able to close it.
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _oembed_links(request, url, title):
    links = []
    for mime, fmt in (("application/json+oembed", "json"), ("text/xml+oembed", "xml")):
        href = (
            request.build_absolute_uri(reverse("partners:oembed"))
            + "?"
            + urlencode({"url": url, "format": fmt})
        )
        links.append(
            format_html('<link rel="alternate" type="{}" href="{}" title="{}">', mime, href, title)
        )
    return links


def _feed_links(request, chosen, title):
    query = chosen.query_string() if chosen else ""
    return [
        format_html(
            '<link rel="alternate" type="{}" href="{}" title="{}">',
            mime,
            request.build_absolute_uri(reverse(name) + query),
            f"{title} ({label})",
        )
        for mime, name, label in (
            ("application/rss+xml", "partners:feed_rss", "RSS"),
            ("application/atom+xml", "partners:feed_atom", "Atom"),
        )
    ]


def _stylesheet():
    return format_html('<link rel="stylesheet" href="{}">', static("partners/share.css"))


def _page_selection(context):
    """The selection a list page shows, or None if the page found its parameters invalid
    (the library form or the search reports the error; there is nothing to embed)."""
    request = context["request"]
    theme = context.get("theme")
    case_filter = context.get("filter")
    if context.get("error") or (
        case_filter is not None and case_filter.is_bound and not case_filter.form.is_valid()
    ):
        return None
    try:
        return selections.selection_from_params(
            request.GET, theme_slug=getattr(theme, "slug", None)
        )
    except SearchError:
        return None


def _page_title(context, chosen):
    """The list's title from what the page already knows: no extra query."""
    values = []
    theme = context.get("theme")
    if theme is not None:
        values.append([theme.name])
    case_filter = context.get("filter")
    if case_filter is not None:
        values += [[labels] for _label, labels in case_filter.active_filters]
    search = context.get("search")
    if search is not None:
        for name, facet_values in search.facets.items():
            if name != "art":
                values.append([value.label for value in facet_values if value.selected])
    return title_for(chosen.query, values)


@register.simple_tag(takes_context=True)
def partners_case_head(context, case):
    """oEmbed discovery, schema.org JSON-LD and Open Graph for a case page."""
    request = context["request"]
    url = request.build_absolute_uri(page_url(case, request))
    parts = _oembed_links(request, url, case.title)
    image = None
    if case.image_id:
        image = case.image.get_rendition("fill-1200x630")
    description = case.search_description or case.summary
    og = [
        ("og:type", "article"),
        ("og:site_name", _("Praxisatlas Kleinstadt")),
        ("og:locale", "de_DE"),
        ("og:title", case.seo_title or case.title),
        ("og:description", description),
        ("og:url", url),
    ]
    if image is not None:
        og += [
            ("og:image", request.build_absolute_uri(image.url)),
            ("og:image:width", image.width),
            ("og:image:height", image.height),
            ("og:image:alt", image.alt),
        ]
    if case.first_published_at:
        og.append(("article:published_time", case.first_published_at.isoformat()))
    if case.last_published_at:
        og.append(("article:modified_time", case.last_published_at.isoformat()))
    # The case page's facts (casestudies.facts), loaded once for the fact box as well.
    facts = context.get("facts")
    themes = [theme.name for theme in (facts.themes if facts else case.themes.all())]
    tags = [tag.name for tag in (facts.tags if facts else case.tags.all())]
    for theme in themes:
        og.append(("article:tag", theme))
    parts += [format_html('<meta property="{}" content="{}">', key, value) for key, value in og]
    parts.append(
        format_html(
            '<meta name="twitter:card" content="{}">',
            "summary_large_image" if image else "summary",
        )
    )
    data = json_ld(request, case, url, description, image, themes, tags)
    parts.append(
        mark_safe(  # noqa: S308 - JSON with <, > and & escaped cannot leave the element
            '<script type="application/ld+json">'
            + json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
            + "</script>"
        )
    )
    parts.append(_stylesheet())
    return mark_safe("\n  ".join(str(part) for part in parts))  # noqa: S308 - built escaped


def json_ld(request, case, url, description, image, themes, tags):
    places = []
    for link in case.town_links:
        town = link.town
        place = {
            "@type": "Place",
            "name": town.name,
            "address": {
                "@type": "PostalAddress",
                "addressLocality": town.name,
                "addressRegion": town.get_state_display(),
                "addressCountry": "DE",
            },
        }
        if town.latitude is not None and town.longitude is not None:
            place["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": float(town.latitude),
                "longitude": float(town.longitude),
            }
        places.append(place)
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "@id": url,
        "url": url,
        "mainEntityOfPage": url,
        "headline": case.title,
        "description": description,
        "inLanguage": "de",
        "isAccessibleForFree": True,
        "about": [{"@type": "Thing", "name": theme} for theme in themes],
        "keywords": tags,
        "spatialCoverage": places,
        "publisher": {
            "@type": "Organization",
            "name": _("Praxisatlas Kleinstadt"),
            "url": request.build_absolute_uri("/"),
        },
    }
    if case.first_published_at:
        data["datePublished"] = case.first_published_at.isoformat()
    if case.last_published_at:
        data["dateModified"] = case.last_published_at.isoformat()
    if image is not None:
        data["image"] = request.build_absolute_uri(image.url)
    if case.source_url:
        data["isBasedOn"] = case.source_url
    return data


@register.simple_tag(takes_context=True)
def partners_list_head(context):
    """oEmbed discovery and feeds for a list page (library, theme page, search)."""
    request = context["request"]
    chosen = _page_selection(context)
    title = _("Praxisfälle")
    parts = _feed_links(request, chosen, title)
    if chosen is not None:
        parts += _oembed_links(request, request.build_absolute_uri(), title)
    parts.append(_stylesheet())
    return mark_safe("\n  ".join(str(part) for part in parts))  # noqa: S308 - built escaped


def _snippet(request, target, label, ident, title):
    width, height = SIZES[target.kind]
    src = request.build_absolute_uri(target.embed_path())
    code = iframe_html(
        src,
        _("%(title)s – Praxisatlas Kleinstadt") % {"title": title},
        width,
        height,
        resizer_url(request),
    )
    return {"label": label, "code": str(code), "preview_url": src, "id": ident}


@register.inclusion_tag("partners/components/share.html", takes_context=True)
def share_case(context, case):
    request = context["request"]
    return {
        "intro": _(
            "Zeigen Sie diesen Praxisfall auf Ihrer Website: immer aktuell und mit einem Link "
            "hierher. Kopieren Sie den Code in Ihre Seite."
        ),
        "snippets": [
            _snippet(
                request, Target("karte", case=case), _("Als Karte"), "share-karte", case.title
            ),
            _snippet(
                request, Target("fall", case=case), _("Ganzer Fall"), "share-fall", case.title
            ),
        ],
        "reuse": None,
    }


@register.inclusion_tag("partners/components/share.html", takes_context=True)
def share_list(context):
    request = context["request"]
    chosen = _page_selection(context)
    if chosen is None:
        return {"snippets": []}
    query = chosen.query_string()
    snippet = _snippet(
        request,
        Target("liste", selection=chosen, count=LIST_DEFAULT_COUNT),
        _("Liste der ersten zehn Fälle"),
        "share-liste",
        _page_title(context, chosen),
    )
    return {
        "intro": _(
            "Zeigen Sie diese Liste auf Ihrer Website: immer aktuell, mit denselben Filtern "
            "und einem Link hierher. Kopieren Sie den Code in Ihre Seite."
        ),
        "snippets": [snippet],
        "reuse": {
            "rss": reverse("partners:feed_rss") + query,
            "atom": reverse("partners:feed_atom") + query,
            "csv": reverse("partners:export_csv") + query,
            "csv_excel": reverse("partners:export_csv")
            + (query + "&" if query else "?")
            + "format=excel",
            "xlsx": reverse("partners:export_xlsx") + query,
            "json": reverse("partners:export_json") + query,
            "codebook": reverse("partners:codebook"),
            "api": "/api/v2/faelle/",
        },
    }
