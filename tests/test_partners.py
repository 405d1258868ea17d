"""Embedding and reuse (partners/): oEmbed, embed views, framing policy, feeds, export, the
Wagtail API and the codebook they share."""

import csv
import io
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.etree import ElementTree

import feedparser
import pytest

from casestudies.models import CasePage, Contact
from partners import codebook
from search import engine
from search.engine import SearchRequest

pytestmark = pytest.mark.django_db

BASE = "http://testserver"
CASE = "istag-muensterland-wohnungsbaugesellschaft"
WOHNEN_NW = {"thema": "wohnen", "land": "NW"}


def oembed(client, url, **params):
    return client.get("/oembed/", {"url": url, **params})


class Elements(HTMLParser):
    """Collects the start tags of a document: [(tag, attrs dict)]."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def elements(response):
    parser = Elements()
    parser.feed(response.content.decode())
    return parser.tags


def engine_slugs(filters, query="", sort="neu"):
    slugs = []
    page = 1
    while True:
        request = SearchRequest(query, {**filters, "art": ["case"]}, sort, page, 50)
        response = engine.search(request)
        slugs += [hit.page.slug for hit in response.results]
        if page >= response.num_pages:
            return slugs
        page += 1


# ---------------------------------------------------------------------------------------------
# The codebook as the contract
# ---------------------------------------------------------------------------------------------

TYPE_CHECKS = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "url": lambda v: isinstance(v, str) and v.startswith(("http://", "https://")),
    "date": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", v),
    "datetime": lambda v: isinstance(v, str) and re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d", v),
    "string[]": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
    "object[]": lambda v: isinstance(v, list) and all(isinstance(i, dict) for i in v),
}


def assert_matches_codebook(record, fields=None):
    """Every field of the codebook is there, with its type and (if enumerated) a known
    value; nothing else is."""
    fields = fields or codebook.as_dict()["fields"]
    assert list(record) == [field["name"] for field in fields]
    for field in fields:
        value = record[field["name"]]
        if value is None:
            assert field["nullable"], field["name"]
            continue
        assert TYPE_CHECKS[field["type"]](value), (field["name"], value)
        if field.get("values"):
            values = value if isinstance(value, list) else [value]
            assert set(values) <= set(field["values"]), (field["name"], value)
        if field.get("items"):
            for item in value:
                assert_matches_codebook(item, field["items"])


def test_codebook_documents_every_field(client):
    response = client.get("/export/codebuch.json")
    assert response.status_code == 200
    data = response.json()
    assert [field["name"] for field in data["fields"]] == codebook.FIELD_NAMES
    for field in data["fields"]:
        assert field["description"] and field["type"] in TYPE_CHECKS
    themes = next(f for f in data["fields"] if f["name"] == "theme_slugs")["values"]
    assert themes["wohnen"] == "Wohnen"

    page = client.get("/export/codebuch/")
    assert page.status_code == 200
    text = page.content.decode()
    for name in codebook.FIELD_NAMES:
        assert f"<code>{name}</code>" in text
    # Sub-fields only where a field has them, enumerations with their values: no empty rows.
    assert "<li><code></code>" not in text
    assert "<code>name</code> (<code>string</code>)" in text
    assert "<code>wohnen</code> Wohnen" in text


# ---------------------------------------------------------------------------------------------
# oEmbed
# ---------------------------------------------------------------------------------------------


def test_oembed_case_json(client, demo_site):
    case = demo_site.case(CASE)
    response = oembed(client, f"{BASE}/faelle/{CASE}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data["version"] == "1.0"
    assert data["type"] == "rich"
    assert data["title"] == case.title
    assert data["provider_name"] == "Praxisatlas Kleinstadt"
    assert data["provider_url"] == f"{BASE}/"
    towns = [link.town.name for link in case.case_towns.all()]
    assert data["author_name"] == ", ".join(towns)
    assert isinstance(data["width"], int) and isinstance(data["height"], int)
    assert f'src="{BASE}/einbetten/fall/{CASE}/karte/"' in data["html"]
    assert f'<script async src="{BASE}/static/partners/resizer.js"></script>' in data["html"]
    assert "thumbnail_url" not in data  # the demo case has no image

    full = oembed(client, f"{BASE}/faelle/{CASE}/", ansicht="fall").json()
    assert f'src="{BASE}/einbetten/fall/{CASE}/"' in full["html"]


def test_oembed_honours_maxwidth_and_maxheight(client, demo_site):
    data = oembed(client, f"{BASE}/faelle/{CASE}/", maxwidth="300", maxheight="200").json()
    assert data["width"] == 300
    assert data["height"] == 200
    assert 'width="300"' in data["html"] and 'data-max-height="200"' in data["html"]
    wide = oembed(client, f"{BASE}/faelle/{CASE}/", maxwidth="5000").json()
    assert wide["width"] == 480  # never wider than the card is meant to be


def test_oembed_xml(client, demo_site):
    response = oembed(client, f"{BASE}/faelle/{CASE}/", format="xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own response
    assert root.tag == "oembed"
    assert root.findtext("version") == "1.0"
    assert root.findtext("type") == "rich"
    assert root.findtext("title") == demo_site.case(CASE).title
    assert root.findtext("html").startswith("<iframe ")


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/faelle/?thema=wohnen&land=NW",
        f"{BASE}/faelle/thema/wohnen/?land=NW",
        f"{BASE}/suche/?thema=wohnen&land=NW",
        f"{BASE}/einbetten/faelle/?land=NW&thema=wohnen",
    ],
)
def test_oembed_filtered_list(client, demo_site, url):
    data = oembed(client, url).json()
    assert data["type"] == "rich"
    assert data["title"] == "Praxisfälle: Wohnen · Nordrhein-Westfalen"
    src = re.search(r'<iframe src="([^"]+)"', data["html"]).group(1).replace("&amp;", "&")
    parts = urlsplit(src)
    assert parts.path == "/einbetten/faelle/"
    assert parse_qs(parts.query) == {"thema": ["wohnen"], "land": ["NW"]}


@pytest.mark.parametrize(
    "url",
    [
        f"https://example.org/faelle/{CASE}/",  # foreign host
        f"{BASE}/faelle/gibt-es-nicht/",  # unknown case
        f"{BASE}/",  # a page, but not a case or a list
        f"{BASE}/faelle/thema/",  # theme overview
        f"{BASE}/admin/",
        f"{BASE}/gibt/es/nicht/",
        f"ftp://testserver/faelle/{CASE}/",
        "kein-url",
    ],
)
def test_oembed_unknown_or_foreign_url_is_404(client, demo_site, url):
    response = oembed(client, url)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"url": ""},
        {"url": f"{BASE}/faelle/{CASE}/", "maxwidth": "abc"},
        {"url": f"{BASE}/faelle/{CASE}/", "maxwidth": "0"},
        {"url": f"{BASE}/faelle/{CASE}/", "maxheight": "-5"},
        {"url": f"{BASE}/faelle/{CASE}/", "ansicht": "riesig"},
        {"url": f"{BASE}/faelle/?land=XX"},
        {"url": f"{BASE}/suche/?sortierung=zufall"},
        {"url": f"{BASE}/faelle/{'x' * 2100}/"},
    ],
)
def test_oembed_bad_parameter_is_400(client, demo_site, params):
    assert client.get("/oembed/", params).status_code == 400


def test_oembed_unsupported_format_is_501(client, demo_site):
    response = oembed(client, f"{BASE}/faelle/{CASE}/", format="yaml")
    assert response.status_code == 501


# ---------------------------------------------------------------------------------------------
# Embed views and the framing policy
# ---------------------------------------------------------------------------------------------


def frame_ancestors(response):
    """The frame-ancestors directive of the response's one Content-Security-Policy (the
    whole policy is tested in tests/test_security_headers.py)."""
    (policy,) = [value for name, value in response.items() if name == "Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return directives["frame-ancestors"]


EMBED_PATHS = [
    f"/einbetten/fall/{CASE}/karte/",
    f"/einbetten/fall/{CASE}/",
    "/einbetten/faelle/?thema=wohnen&land=NW",
]


@pytest.mark.parametrize("path", EMBED_PATHS)
def test_embed_views_may_be_framed_anywhere_and_set_no_cookie(client, admin_user, path):
    # Even a logged-in editor with a session and a CSRF cookie gets no cookie here.
    client.force_login(admin_user)
    client.get("/admin/")
    response = client.get(path)
    assert response.status_code == 200
    assert frame_ancestors(response) == "*"
    assert "X-Frame-Options" not in response
    assert "Set-Cookie" not in response.serialize_headers().decode()
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")

    tags = elements(response)
    # Nothing is loaded from elsewhere: scripts, styles and images are ours.
    resources = [attrs["src"] for tag, attrs in tags if tag in ("script", "img") and "src" in attrs]
    resources += [
        attrs["href"] for tag, attrs in tags if tag == "link" and attrs["rel"] != "canonical"
    ]
    assert resources
    for url in resources:
        assert url.startswith("/") or url.startswith(BASE + "/"), url
    assert not any(tag == "script" and not attrs.get("src") for tag, attrs in tags), (
        "no inline scripts"
    )
    assert not any(tag == "form" for tag, _attrs in tags)
    # Canonical link back and attribution, opening in the whole window.
    canonical = next(a["href"] for t, a in tags if t == "link" and a.get("rel") == "canonical")
    assert canonical.startswith(BASE + "/")
    assert ("base", {"target": "_top"}) in tags
    links = [attrs for tag, attrs in tags if tag == "a"]
    assert links and all(attrs.get("target") in ("_top", None) for attrs in links)
    assert any(a.get("href") == canonical and a.get("target") == "_top" for a in links)
    assert "Praxisatlas Kleinstadt" in response.content.decode()


def test_normal_pages_refuse_framing(client, demo_site):
    for path in ("/", "/faelle/", f"/faelle/{CASE}/", "/suche/?q=Wohnen", "/export/codebuch/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["X-Frame-Options"] == "DENY", path
        assert frame_ancestors(response) == "'none'", path


def test_admin_preview_may_still_be_framed_by_the_admin(admin_client, demo_site):
    case = demo_site.case(CASE)
    response = admin_client.get(f"/admin/pages/{case.pk}/edit/preview/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert frame_ancestors(response) == "'self'"


def test_embed_card_and_case_content(client, demo_site):
    case = demo_site.case(CASE)
    card = client.get(f"/einbetten/fall/{CASE}/karte/").content.decode()
    assert case.title in card and "Wohnen" in card and "Münster" in card
    full = client.get(f"/einbetten/fall/{CASE}/").content.decode()
    assert "Übertragbarkeit" in full
    assert "Ansprechpartner" in full
    # Personal data of contacts without consent never appears, as on the case page.
    for contact in Contact.objects.filter(case_links__page=case, is_public=False).exclude(name=""):
        assert contact.name not in full
    assert client.get("/einbetten/fall/gibt-es-nicht/").status_code == 404
    assert client.get("/einbetten/fall/gibt-es-nicht/karte/").status_code == 404


def test_embedded_list_has_the_search_ranking(client, demo_site):
    expected = engine_slugs({"thema": ["wohnen"], "land": ["NW"]})
    response = client.get("/einbetten/faelle/", {**WOHNEN_NW, "anzahl": "50"})
    shown = re.findall(
        r'<h2 class="embed-list__title"><a href="/faelle/(?:[^/"]+/)?([^/"]+)/"',
        response.content.decode(),
    )
    assert shown == expected[:50] and len(shown) > 1

    ranked = engine_slugs({}, query="Leerstand", sort="relevanz")
    response = client.get("/einbetten/faelle/", {"q": "Leerstand", "anzahl": "5"})
    shown = re.findall(
        r'<h2 class="embed-list__title"><a href="/faelle/(?:[^/"]+/)?([^/"]+)/"',
        response.content.decode(),
    )
    assert shown == ranked[:5]
    assert f"Alle {len(ranked)} Fälle im Praxisatlas ansehen" in response.content.decode()


@pytest.mark.parametrize("query", ["anzahl=0", "anzahl=51", "anzahl=x", "land=XX", "sortierung=x"])
def test_embedded_list_bad_parameter_is_400(client, query):
    assert client.get(f"/einbetten/faelle/?{query}").status_code == 400


# ---------------------------------------------------------------------------------------------
# Case and list pages: discovery, metadata, "Einbetten"
# ---------------------------------------------------------------------------------------------


def test_case_page_discovery_json_ld_and_open_graph(client, demo_site):
    case = demo_site.case(CASE)
    response = client.get(f"/faelle/{CASE}/")
    tags = elements(response)
    discovery = [a for t, a in tags if t == "link" and a.get("type") == "application/json+oembed"]
    assert len(discovery) == 1
    assert any(a.get("type") == "text/xml+oembed" for t, a in tags if t == "link")
    found = client.get(discovery[0]["href"].removeprefix(BASE))
    assert found.status_code == 200 and found.json()["title"] == case.title

    meta = {a["property"]: a["content"] for t, a in tags if t == "meta" and "property" in a}
    assert meta["og:title"] == case.title
    assert meta["og:type"] == "article"
    assert meta["og:url"] == f"{BASE}/faelle/{CASE}/"
    assert meta["og:description"] == case.summary

    text = response.content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    data = json.loads(block.group(1))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Article"
    assert data["headline"] == case.title
    assert {place["name"] for place in data["spatialCoverage"]} == {
        link.town.name for link in case.case_towns.all()
    }
    assert "Wohnen" in {thing["name"] for thing in data["about"]}

    # The "Einbetten" box works without JavaScript: details with read-only code fields.
    assert '<details class="share">' in text
    codes = re.findall(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", text, re.S)
    assert len(codes) == 2
    assert f"{BASE}/einbetten/fall/{CASE}/karte/" in codes[0]
    assert "resizer.js" in codes[0]


@pytest.mark.parametrize(
    "path",
    [
        "/faelle/?thema=wohnen&land=NW",
        "/faelle/thema/wohnen/?land=NW",
        "/suche/?thema=wohnen&land=NW",
    ],
)
def test_list_pages_offer_embedding_and_feeds(client, demo_site, path):
    response = client.get(path)
    assert response.status_code == 200
    tags = elements(response)
    links = {
        a.get("type"): a["href"] for t, a in tags if t == "link" and a.get("rel") == "alternate"
    }
    for mime in ("application/json+oembed", "application/rss+xml", "application/atom+xml"):
        assert mime in links, mime
    feed = urlsplit(links["application/rss+xml"])
    assert parse_qs(feed.query) == {"thema": ["wohnen"], "land": ["NW"]}
    text = response.content.decode()
    code = re.search(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", text, re.S).group(1)
    assert "/einbetten/faelle/?thema=wohnen&amp;amp;land=NW" in code
    assert "/export/faelle.csv?thema=wohnen&amp;land=NW" in text


# ---------------------------------------------------------------------------------------------
# Feeds
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feeds_parse_and_follow_the_filter(client, demo_site, kind):
    whole = feedparser.parse(client.get(f"/feeds/faelle/{kind}/").content)
    assert not whole.bozo, whole.bozo_exception
    assert len(whole.entries) == 30
    newest = CasePage.objects.live().order_by("-last_published_at", "-pk").first()
    assert whole.entries[0].title == newest.title
    assert whole.entries[0].link == f"{BASE}{newest.url}"

    response = client.get(f"/feeds/faelle/{kind}/", WOHNEN_NW)
    assert response["Access-Control-Allow-Origin"] == "*"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert "Wohnen" in feed.feed.title and "Nordrhein-Westfalen" in feed.feed.title
    expected = set(engine_slugs({"thema": ["wohnen"], "land": ["NW"]}))
    slugs = {entry.link.rstrip("/").rsplit("/", 1)[-1] for entry in feed.entries}
    assert slugs and slugs <= expected
    assert len(slugs) == min(30, len(expected))
    entry = feed.entries[0]
    assert entry.get("published_parsed") or entry.get("updated_parsed")
    assert "Wohnen" in {tag.term for tag in entry.tags}

    assert client.get(f"/feeds/faelle/{kind}/", {"land": "XX"}).status_code == 400


# ---------------------------------------------------------------------------------------------
# Export and API, checked against the codebook
# ---------------------------------------------------------------------------------------------


def test_json_export_matches_codebook_and_search(client, demo_site, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        response = client.get("/export/faelle.json", WOHNEN_NW)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.content)
    assert data["codebook"] == f"{BASE}/export/codebuch.json"
    expected = engine_slugs({"thema": ["wohnen"], "land": ["NW"]})
    assert [case["slug"] for case in data["cases"]] == expected
    assert data["count"] == len(expected)
    for record in data["cases"]:
        assert_matches_codebook(record)
        assert "Wohnen" in record["themes"] and "NW" in record["states"]


def test_whole_export_has_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        response = client.get("/export/faelle.json")
    data = json.loads(response.content)
    assert data["count"] == CasePage.objects.live().count() > 300


def test_csv_export_has_the_codebook_columns(client, demo_site):
    response = client.get("/export/faelle.csv", WOHNEN_NW)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == codebook.FIELD_NAMES
    records = json.loads(client.get("/export/faelle.json", WOHNEN_NW).content)["cases"]
    assert len(rows) == len(records)
    for row, record in zip(rows, records, strict=True):
        for field in codebook.FIELDS:
            assert row[field.name] == codebook.csv_cell(field, record[field.name])
    istag = next(row for row in rows if row["slug"] == CASE)
    assert "Wohnen" in istag["themes"].split("; ")
    assert json.loads(istag["towns"])[0]["state"] == "NW"


def test_contacts_in_export_respect_consent(client, demo_site):
    hidden = Contact.objects.filter(is_public=False).exclude(name="").first()
    assert hidden is not None
    text = client.get("/export/faelle.json").content.decode()
    assert hidden.name not in text
    if hidden.phone:
        assert hidden.phone not in text


def test_export_bad_filter_is_400(client):
    assert client.get("/export/faelle.csv", {"land": "XX"}).status_code == 400
    assert client.get("/export/faelle.json", {"thema": "nix"}).status_code == 400


def test_api_cases_match_codebook_and_export(client, demo_site, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        listing = client.get("/api/v2/faelle/", {"limit": 20})
    assert listing.status_code == 200
    assert listing["Access-Control-Allow-Origin"] == "*"
    assert not listing.cookies
    body = listing.json()
    assert body["meta"]["total_count"] == CasePage.objects.live().count()
    for item in body["items"]:
        meta = item.pop("meta")
        assert meta["type"] == "casestudies.CasePage"
        assert_matches_codebook(item)

    case = demo_site.case(CASE)
    detail = client.get(f"/api/v2/faelle/{case.pk}/").json()
    detail.pop("meta")
    assert_matches_codebook(detail)
    exported = json.loads(client.get("/export/faelle.json", WOHNEN_NW).content)["cases"]
    assert detail == next(record for record in exported if record["slug"] == CASE)

    towns = client.get("/api/v2/faelle/", {"fields": "_,title,towns", "slug": CASE}).json()
    assert list(towns["items"][0]) == ["title", "towns"]
    assert client.get("/api/v2/faelle/", {"status": "laufend"}).status_code == 200
    assert client.get("/api/v2/faelle/", {"unbekannt": "1"}).status_code == 400
    assert client.get("/api/v2/faelle/999999/").status_code == 404


def test_api_cors_preflight_and_read_only(client):
    response = client.options(
        "/api/v2/faelle/",
        HTTP_ORIGIN="https://partner.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert client.post("/api/v2/faelle/").status_code == 405


def test_openapi_documents_the_codebook_fields(client):
    document = client.get("/api/v2/openapi.json").json()
    assert document["openapi"].startswith("3.")
    schema = document["components"]["schemas"]["Case"]
    assert list(schema["properties"]) == codebook.FIELD_NAMES
    assert "/api/v2/faelle/" in document["paths"]
    assert "/export/faelle.csv" in document["paths"]
    # One generated document for the whole API, also at /api/openapi.json; the search API
    # keeps its routes under /api/.
    assert client.get("/api/openapi.json").json()["info"]["title"] == "Praxisatlas Kleinstadt API"
    assert client.get("/api/search/", {"q": "Wohnen"}).status_code == 200
    assert client.get("/api/v2/pages/").status_code == 200


def test_selection_links_keep_filters_in_order():
    from django.http import QueryDict

    from partners.selection import selection_from_params

    chosen = selection_from_params(QueryDict("land=NW&thema=wohnen&seite=3&utm=x"))
    assert chosen.query_string() == "?" + urlencode([("thema", "wohnen"), ("land", "NW")])


def test_list_page_with_an_unknown_filter_value_still_renders(client, demo_site):
    response = client.get("/faelle/", {"land": "XX"})
    assert response.status_code == 200
    assert '<details class="share">' not in response.content.decode()


def test_case_with_image_has_thumbnail_and_og_image(client, demo_site):
    from wagtail_factories import ImageFactory

    case = demo_site.case(CASE)
    case.image = ImageFactory(width=1600, height=900)
    case.save_revision().publish()

    data = oembed(client, f"{BASE}/faelle/{CASE}/", maxwidth="400", maxheight="300").json()
    assert data["thumbnail_url"].startswith(BASE + "/")
    assert data["thumbnail_width"] <= 400 and data["thumbnail_height"] <= 300
    assert {"thumbnail_url", "thumbnail_width", "thumbnail_height"} <= set(data)

    tags = elements(client.get(f"/faelle/{CASE}/"))
    meta = {a["property"]: a["content"] for t, a in tags if t == "meta" and "property" in a}
    assert meta["og:image"].startswith(BASE + "/") and int(meta["og:image:width"]) > 0
    record = client.get(f"/api/v2/faelle/{case.pk}/").json()
    assert record["image_url"].startswith(BASE + "/")
    card = client.get(f"/einbetten/fall/{CASE}/karte/")
    assert any(tag == "img" for tag, _attrs in elements(card))
