"""Property-based tests: arbitrary text and numbers in every query parameter of every public
entry point that reads parameters. Whatever comes in, the answer is never a server error
(5xx), HTML never contains a payload with <, > or " verbatim (it is escaped), and feeds and
XML answers stay well-formed XML.

The parameter lists are taken from the code (search.engine.FACETS, the library's FilterSet,
the Wagtail API endpoint's known parameters and filterable fields, oEmbed, embeds, alerts).

Runtime is bounded by the ``fuzz`` Hypothesis profile (``max_examples`` per test, registered
in tests/conftest.py): about 1-2 minutes for the file. Under CI=true the profile is
derandomized: every run tries the same examples, so CI is reproducible and a red run can
be repeated locally (``CI=true pytest tests/test_fuzz_params.py``); locally every run
explores new examples, and Hypothesis' example database replays failures it found.
"""

import json
from xml.etree import ElementTree

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casestudies.models import Theme
from search.engine import FACETS

pytestmark = pytest.mark.django_db

# Payloads that would run or break out of an attribute if they were reflected unescaped.
# Each carries a marker so that finding it in a page cannot be a coincidence.
PAYLOADS = [
    '<script>alert("fz-1")</script>',
    '"><img src=x onerror=alert("fz-2")>',
    "<svg/onload=alert('fz-3')>",
    "</title><h1>fz-4</h1>",
    "\" autofocus onfocus=\"alert('fz-5')",
    "<!--fz-6-->",
    "]]><fz-7/>",
    "javascript:alert('fz-8')//<b>",
]
NUMBERS = [
    "0",
    "-1",
    "1",
    "2",
    "50",
    "51",
    "10000",
    "10001",
    "2147483648",
    "9223372036854775808",
    "1e309",
    "NaN",
    "-0",
    "0x10",
    "1.5",
    "²",
    "٣",
    "１２",
    " 7 ",
    "9" * 5000,
]
VALID_VALUES = [
    "wohnen",
    "NI",
    "NW",
    "kleine-kleinstadt",
    "laufend",
    "relevanz",
    "neu",
    "groesse",
    "titel",
    "-neu",
    "ab-2023",
    "case",
    "json",
    "xml",
    "karte",
    "fall",
    "Osterburg",
    "Leerstand",
]

numbers = st.one_of(
    st.sampled_from(NUMBERS),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
# Any unicode text, control characters included (but not NUL, handled below).
texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60)
huge = st.builds(lambda char, n: char * n, st.sampled_from('aä<"&%1 \t€𝔘'), st.integers(1, 20_000))
payloads = st.builds(
    lambda before, payload, after: before + payload + after,
    st.text(max_size=5),
    st.sampled_from(PAYLOADS),
    st.text(max_size=5),
)
values = st.one_of(
    texts,
    numbers,
    payloads,
    huge,
    st.sampled_from(VALID_VALUES),
    st.just("\x00"),
    st.just(""),
)


def params_for(names):
    """A dict of parameter -> list of 1-3 values, for a subset of ``names``."""
    return st.dictionaries(
        st.sampled_from(names), st.lists(values, min_size=1, max_size=3), max_size=len(names)
    )


SELECTION = ["q", *FACETS, "sortierung"]
SEARCH = [*SELECTION, "seite"]
LIBRARY = ["thema", "land", "groesse", "status", "sortierung", "seite"]
API_V2_PAGES = [
    "limit",
    "offset",
    "fields",
    "order",
    "search",
    "search_operator",
    "type",
    "child_of",
    "descendant_of",
    "ancestor_of",
    "translation_of",
    "locale",
    "site",
    "format",
    "rich_text_format",
    "id",
    "slug",
    "title",
    "show_in_menus",
    "first_published_at",
]


def api_v2_case_params():
    from casestudies.models import CasePage
    from partners.api import CasesEndpoint

    fields = [field.name for field in CasesEndpoint.get_body_fields(CasePage)]
    return sorted(set(API_V2_PAGES) | set(fields))


def body_text(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def check(response, params, path, allowed_status=()):
    """The properties every answer must have."""
    if response.status_code not in allowed_status:
        assert response.status_code < 500, (path, params, response.status_code)
    content_type = response.get("Content-Type", "")
    text = body_text(response)
    sent = [value for values in params.values() for value in values]
    if content_type.startswith("text/html"):
        for payload in PAYLOADS:
            if any(payload in value for value in sent):
                assert payload not in text, (path, payload)
        for value in sent:
            if len(value) >= 12 and any(char in value for char in '<>"'):
                assert value not in text, (path, value)
    elif content_type.split(";")[0].endswith(("/xml", "+xml")) and response.status_code == 200:
        ElementTree.fromstring(text.encode())  # noqa: S314 - our own answer; well-formed
    elif content_type.startswith("application/json") and text:
        json.loads(text)
    return text


FUZZ = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)


def get(client, path, params, allowed_status=()):
    response = client.get(path, params)
    check(response, params, path, allowed_status)
    return response


@pytest.fixture
def anon(demo_site):
    # A fresh client: no session, nothing remembered between examples.
    return Client()


@pytest.fixture
def theme_path(demo_site):
    theme = Theme.objects.order_by("slug").first()
    return f"{demo_site.library.url}thema/{theme.slug}/"


@FUZZ
@given(params=params_for([*SEARCH, "page_size"]))
def test_search_page(anon, params):
    get(anon, "/suche/", params)


@FUZZ
@given(params=params_for([*SEARCH, "page_size"]))
def test_search_api(anon, params):
    response = get(anon, "/api/search/", params)
    assert response.status_code in (200, 400, 422), response.status_code


@FUZZ
@given(params=params_for(["q", "limit"]))
def test_autocomplete_api(anon, params):
    response = get(anon, "/api/autocomplete/", params)
    assert response.status_code in (200, 400, 422), response.status_code


@FUZZ
@given(params=params_for(["pos", "q"]))
def test_search_click(anon, params):
    from search.models import SearchEntry

    entry = SearchEntry.objects.order_by("pk").first()
    get(anon, f"/suche/klick/{entry.pk}/", params)


@FUZZ
@given(params=params_for(LIBRARY))
def test_library(anon, demo_site, params):
    get(anon, demo_site.library.url, params)


@FUZZ
@given(params=params_for(LIBRARY))
def test_theme_page(anon, theme_path, params):
    get(anon, theme_path, params)


@FUZZ
@given(params=params_for(["ort", "ags", "einwohner", "land", "thema"]))
def test_places_like_mine(anon, params):
    get(anon, "/orte-wie-meiner/", params)


@FUZZ
@given(params=params_for(LIBRARY))
def test_case_map(anon, params):
    get(anon, "/karte/", params)


@FUZZ
@given(params=params_for(["q"]))
def test_municipality_suggestions(anon, params):
    get(anon, "/orte-wie-meiner/gemeinden/", params)


@FUZZ
@given(data=st.data())
def test_api_v2_cases(anon, data):
    params = data.draw(params_for(api_v2_case_params()))
    get(anon, "/api/v2/faelle/", params)


@FUZZ
@given(params=params_for(API_V2_PAGES))
def test_api_v2_pages(anon, params):
    get(anon, "/api/v2/pages/", params)


oembed_urls = st.one_of(
    values,
    st.sampled_from(
        [
            "http://testserver/faelle/",
            "http://testserver/faelle/?thema=wohnen",
            "http://testserver/suche/?q=Leerstand",
            "http://testserver/faelle/thema/wohnen/",
            "http://testserver/faelle/istag-muensterland-wohnungsbaugesellschaft/",
            "https://example.org/faelle/",
            "http://testserver/",
            "http://testserver/admin/",
        ]
    ),
    st.builds(lambda path: "http://testserver/" + path, texts),
    st.builds(lambda query: "http://testserver/suche/?q=" + query, values),
)


@FUZZ
@given(
    url=st.lists(oembed_urls, min_size=1, max_size=2),
    rest=params_for(["format", "maxwidth", "maxheight", "ansicht"]),
)
def test_oembed(anon, url, rest):
    params = {"url": url, **rest}
    # 501 Not Implemented is oEmbed's answer to a format other than json or xml.
    response = get(anon, "/oembed/", params, allowed_status={501})
    assert response.status_code in (200, 400, 404, 501), response.status_code


@FUZZ
@given(params=params_for(SELECTION), kind=st.sampled_from(["rss", "atom"]))
def test_feeds(anon, params, kind):
    get(anon, f"/feeds/faelle/{kind}/", params)


@FUZZ
@given(params=params_for([*SELECTION, "format"]), kind=st.sampled_from(["csv", "json", "xlsx"]))
def test_exports(anon, params, kind):
    get(anon, f"/export/faelle.{kind}", params)


SUGGESTION_FIELDS = ["title", "town", "description", "website", "contact_name", "homepage"]


@FUZZ
@given(data=st.dictionaries(st.sampled_from(SUGGESTION_FIELDS), values))
def test_suggestion_form(anon, settings, data):
    """Any text in any field of 'Fall vorschlagen', sent as a person would (consent, a valid
    start time, a real e-mail address): never a 5xx, never the input unescaped."""
    import time

    from django.core import signing

    from suggestions.forms import STARTED_SALT

    settings.SUGGESTIONS_RATE_PER_IP = "10000/h"
    form = {
        "title": "Projekt",
        "town": "Ort",
        "description": "Text",
        "contact_name": "Name",
        "contact_email": "person@example.org",
        "consent": "on",
        "started": signing.dumps(int(time.time()) - 10, salt=STARTED_SALT),
        **data,
    }
    response = anon.post("/fall-vorschlagen/", form)
    check(response, {name: [value] for name, value in data.items()}, "/fall-vorschlagen/")


@FUZZ
@given(params=params_for([*SELECTION, "anzahl"]))
def test_embed_list(anon, params):
    get(anon, "/einbetten/faelle/", params)


@FUZZ
@given(params=params_for(["art", "thema", "land", "groesse", "q", "format"]))
def test_alert_form_prefill(anon, params):
    get(anon, "/benachrichtigungen/", params)


@FUZZ
@given(params=params_for(["art", "format", "seite"]))
def test_knowledge_and_events_listings(anon, params):
    get(anon, "/wissen/", params)
    get(anon, "/veranstaltungen/", params)


@FUZZ
@given(params=params_for(["format", "q"]))
def test_calendar(anon, params):
    get(anon, "/kalender/veranstaltungen.ics", params)


# Issue 12, finding 7: API v2 paging and search, and the ids in .ics addresses. Every example
# sets offset, limit and search at once; a number or a query the database cannot take is a
# 400, never a 500 or a 503 (the 503 page is for an outage only).
search_syntax = st.one_of(
    values,
    st.text(st.sampled_from("\"*()^:-+ NEARORAND\\'"), min_size=1, max_size=12),
)


@FUZZ
@given(
    offset=numbers,
    limit=numbers,
    search=search_syntax,
    endpoint=st.sampled_from(["/api/v2/pages/", "/api/v2/faelle/"]),
)
def test_api_v2_offset_limit_search(anon, offset, limit, search, endpoint):
    params = {"offset": [offset], "limit": [limit], "search": [search]}
    response = get(anon, endpoint, params)
    assert response.status_code in (200, 400), (endpoint, params, response.status_code)


@FUZZ
@given(
    event_id=st.one_of(
        st.integers(min_value=0, max_value=10**40).map(str),
        st.sampled_from(["0", "00", "9" * 18, "9" * 19, "9" * 5000, "-1", "1e3", "١٢"]),
    )
)
def test_event_ics_ids(anon, event_id):
    response = anon.get(f"/kalender/veranstaltung-{event_id}.ics")
    assert response.status_code in (200, 404), (event_id, response.status_code)
