"""Partners embed our cases for real: Wagtail's own oEmbed finder as a consumer, and a
partner page on another origin with iframes and the resizer, in Chromium."""

import json
import threading
import time
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

CASE = "istag-muensterland-wohnungsbaugesellschaft"


def test_wagtail_embed_finder_embeds_a_case(live_server, demo_site, settings):
    """wagtail.embeds with an oEmbed provider entry pointing at our endpoint, over HTTP."""
    from wagtail.embeds.embeds import get_embed
    from wagtail.embeds.finders import get_finders

    settings.WAGTAILEMBEDS_FINDERS = [
        {
            "class": "wagtail.embeds.finders.oembed",
            "providers": [
                {
                    "endpoint": f"{live_server.url}/oembed/",
                    "urls": [rf"^{live_server.url}/faelle/.+$"],
                }
            ],
        }
    ]
    get_finders.cache_clear()
    try:
        case = demo_site.case(CASE)
        embed = get_embed(f"{live_server.url}/faelle/{CASE}/", max_width=400)
    finally:
        get_finders.cache_clear()
    assert embed.type == "rich"
    assert embed.title == case.title
    assert embed.provider_name == "Praxisatlas Kleinstadt"
    assert embed.author_name == ", ".join(link.town.name for link in case.case_towns.all())
    assert embed.width == 400
    assert f'<iframe src="{live_server.url}/einbetten/fall/{CASE}/karte/"' in embed.html
    assert f"{live_server.url}/static/partners/resizer.js" in embed.html


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def partner_site(tmp_path):
    """A web server on another origin (127.0.0.1 instead of localhost, another port)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _oembed_html(live_server, url):
    query = urlencode({"url": url, "format": "json"})
    with urllib.request.urlopen(f"{live_server.url}/oembed/?{query}") as response:  # noqa: S310
        return json.load(response)["html"]


def _frame_fits(page, frame_id):
    """(iframe height on the partner page, content height inside the frame)."""
    element = page.locator(f"#{frame_id} iframe")
    frame = element.element_handle().content_frame()
    content = frame.evaluate(
        "Math.ceil(document.querySelector('[data-embed-root]').getBoundingClientRect().height)"
    )
    return element.evaluate("e => Math.round(e.getBoundingClientRect().height)"), content


def _fits_soon(page, frame_id, timeout=10.0):
    """``_frame_fits`` once the resizer has answered the last reflow: each frame posts its
    new height on its own, so after one frame has grown the other may still be on its way.
    The frame is scrolled into view first: Chromium does not render (nor run the
    ResizeObserver of) a cross-origin frame below the fold until someone scrolls to it."""
    page.locator(f"#{frame_id} iframe").scroll_into_view_if_needed()
    deadline = time.monotonic() + timeout
    while True:
        outer, inner = _frame_fits(page, frame_id)
        if abs(outer - inner) <= 1 or time.monotonic() > deadline:
            return outer, inner
        page.wait_for_timeout(100)


@pytest.mark.browser
def test_partner_page_embeds_case_and_list_but_not_normal_pages(
    page, live_server, browser_log, demo_site, partner_site
):
    directory, partner_url = partner_site
    browser_log.allow_host(partner_url.removeprefix("http://"))
    # Chromium reports the refused frame on the console; that refusal is the point.
    browser_log.allow_console_error(r"frame-ancestors 'none'")

    card = _oembed_html(live_server, f"{live_server.url}/faelle/{CASE}/")
    listing = _oembed_html(live_server, f"{live_server.url}/faelle/?thema=wohnen&land=NW")
    normal = f"{live_server.url}/faelle/{CASE}/"
    (directory / "partner.html").write_text(
        f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Partner</title></head>
<body><h1>Eine Partnerseite</h1>
<div id="card">{card}</div>
<div id="list">{listing}</div>
<div id="normal"><iframe src="{normal}" title="Normale Seite" height="300"
 onload="this.dataset.loaded = '1'"></iframe></div>
</body></html>""",
        encoding="utf-8",
    )
    page.set_viewport_size({"width": 1024, "height": 900})
    with (
        page.expect_response(normal) as normal_answer,
        page.expect_console_message(lambda m: "frame-ancestors 'none'" in m.text) as refusal,
    ):
        page.goto(f"{partner_url}/partner.html")

    card_frame = page.frame_locator("#card iframe")
    expect(card_frame.get_by_role("heading", level=1)).to_have_text(demo_site.case(CASE).title)
    expect(card_frame.get_by_role("link", name="Praxisatlas Kleinstadt")).to_have_attribute(
        "target", "_top"
    )
    list_frame = page.frame_locator("#list iframe")
    expect(list_frame.get_by_role("heading", level=1)).to_have_text(
        "Praxisfälle: Wohnen · Nordrhein-Westfalen"
    )
    expect(list_frame.locator(".embed-list__item")).not_to_have_count(0)

    # The resizer fits each iframe to its content, and again when the content reflows.
    for frame_id in ("card", "list"):
        page.wait_for_function(
            "id => { const f = document.querySelector('#' + id + ' iframe');"
            " return f && f.style.height !== '' && !f.style.height.startsWith('380')"
            " && !f.style.height.startsWith('900'); }",
            arg=frame_id,
        )
        outer, inner = _frame_fits(page, frame_id)
        assert abs(outer - inner) <= 1, (frame_id, outer, inner)
    wide_card = _frame_fits(page, "card")[0]

    page.set_viewport_size({"width": 320, "height": 900})
    page.wait_for_function(
        "h => Math.round(document.querySelector('#card iframe').getBoundingClientRect()"
        ".height) > h",
        arg=wide_card,
    )
    for frame_id in ("card", "list"):
        outer, inner = _fits_soon(page, frame_id)
        assert abs(outer - inner) <= 1, (frame_id, outer, inner)
        frame = page.locator(f"#{frame_id} iframe").element_handle().content_frame()
        # Readable at 320 px: nothing sticks out sideways.
        assert frame.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )

    # A normal page refuses to be framed: the frame stays without our content. Positive
    # signals first, so the check cannot pass before the frame has finished: the server has
    # answered the frame's request with the page (and its frame-ancestors policy), Chromium
    # has reported the refusal, and the iframe has fired its load event.
    expect(page.locator("#normal iframe")).to_have_attribute("data-loaded", "1")
    framed = normal_answer.value
    assert framed.status == 200
    assert "frame-ancestors 'none'" in framed.header_value("content-security-policy")
    assert live_server.url in refusal.value.text
    blocked = page.locator("#normal iframe").element_handle().content_frame()
    assert blocked.url != normal or not blocked.evaluate(
        "document.body ? document.body.innerText : ''"
    )
    content = blocked.evaluate("document.documentElement.outerHTML")
    assert "Praxisatlas" not in content
