"""The case page without the page cache: its head and content, and the header and footer of
every page, come from the fragment cache ({% publiccache %}, core/templatetags/fragments.py)
after the first view. Every change shows at once: the fragments are keyed by the page's
live revision and by the content generation in the database. Drafts, restricted pages and
logged-in users never get or leave a fragment."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from wagtail.models import PageViewRestriction

from casestudies.facts import load_facts
from home.models import LegalPage

pytestmark = pytest.mark.django_db

CASE = "osterburg-buergerrat-klimaschutz"


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    # What the benchmark calls "ungecacht": only the fragments are cached.
    settings.PAGE_CACHE_ENABLED = False


def view(client, url):
    """Status, HTML and the number of SQL queries of one request."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response.status_code, response.content.decode(), len(queries)


def publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def test_a_second_view_comes_from_the_fragments_and_shows_the_same_page(client, demo_site):
    case = demo_site.case(CASE)
    status, first, first_queries = view(client, case.url)
    assert status == 200 and "Ähnliche Fälle" in first and case.title in first

    status, again, again_queries = view(client, case.url)

    assert status == 200 and again == first
    # Related cases, the case's links and the navigation are not loaded again.
    assert again_queries < first_queries


def test_a_new_title_shows_at_once(client, demo_site):
    case = demo_site.case(CASE)
    view(client, case.url)
    view(client, case.url)

    case.title = "Osterburg: der Klimarat hat einen neuen Titel"
    publish(case)

    status, html, _queries = view(client, case.url)
    assert status == 200
    assert "<h1>Osterburg: der Klimarat hat einen neuen Titel</h1>" in html


def test_a_saved_draft_is_not_shown_and_publishing_it_is(client, demo_site):
    case = demo_site.case(CASE)
    live_title = case.title
    view(client, case.url)

    case.title = "Entwurf: noch nicht öffentlich"
    case.save_revision()

    status, html, _queries = view(client, case.url)
    assert status == 200 and f"<h1>{live_title}</h1>" in html
    assert "noch nicht öffentlich" not in html

    case.get_latest_revision().publish()
    status, html, _queries = view(client, case.url)
    assert "<h1>Entwurf: noch nicht öffentlich</h1>" in html


def test_a_renamed_theme_shows_at_once_in_the_fact_box(client, demo_site):
    case = demo_site.case(CASE)
    theme = load_facts(case).themes[0]
    status, html, _queries = view(client, case.url)
    assert status == 200 and escape(theme.name) in html
    view(client, case.url)

    theme.name = "Klimarat und Beteiligung (neu)"
    theme.save()

    status, html, _queries = view(client, case.url)
    assert status == 200 and "Klimarat und Beteiligung (neu)" in html


def test_a_restricted_case_is_gone_at_once_and_never_comes_from_a_fragment(
    client, admin_client, demo_site
):
    case = demo_site.case(CASE)
    summary = case.summary[:60]
    view(client, case.url)
    status, html, _queries = view(client, case.url)
    assert status == 200 and summary in html

    PageViewRestriction.objects.create(page=case, restriction_type=PageViewRestriction.LOGIN)

    response = client.get(case.url)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert summary not in response.content.decode()
    # A logged-in user sees the page, rendered for the request (the userbar, no fragment).
    response = admin_client.get(case.url)
    assert response.status_code == 200 and summary in response.content.decode()


def test_unpublishing_is_seen_at_once(client, demo_site):
    case = demo_site.case(CASE)
    view(client, case.url)
    view(client, case.url)

    case.unpublish()

    assert client.get(case.url).status_code == 404


def test_the_footer_follows_a_renamed_legal_page(client, demo_site):
    case = demo_site.case(CASE)
    legal = LegalPage.objects.live().first()
    assert legal is not None, "the demo has legal pages"
    view(client, case.url)
    view(client, "/")

    legal.title = "Impressum und Kontakt (neu)"
    publish(legal)

    for url in (case.url, "/"):
        status, html, _queries = view(client, url)
        assert status == 200 and "Impressum und Kontakt (neu)" in html


def test_the_current_menu_item_is_the_one_of_each_page(client, demo_site):
    case = demo_site.case(CASE)
    # The header is cached per template: the case page and the library mark their own item.
    for url, current in ((case.url, 'aria-current="true"'), ("/faelle/", 'aria-current="page"')):
        for _time in range(2):
            status, html, _queries = view(client, url)
            assert status == 200
            nav = html.split('<nav class="main-nav"', 1)[1].split("</nav>", 1)[0]
            assert nav.count("aria-current") == 1 and current in nav


def test_the_pdf_handout_neither_reads_nor_leaves_fragments(client, demo_site):
    case = demo_site.case(CASE)
    # The handout renders the case page's template with a QR code of the case's address.
    response = client.get(demo_site.library.handout_url(case))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"

    for _time in range(2):
        status, html, _queries = view(client, case.url)
        assert status == 200 and case.title in html
        assert 'class="case__qr"' not in html


FRAGMENT = Template(
    '{% load fragments %}{% publiccache "probe" scope %}{{ n }}{% endpubliccache %}'
)


def render_fragment(**context):
    request = RequestFactory().get("/")
    return FRAGMENT.render(Context({"request": request, **context}))


def test_a_fragment_is_kept_per_scope_and_never_without_one(db):
    assert render_fragment(scope="seite-1", n=1) == "1"
    assert render_fragment(scope="seite-1", n=2) == "1"
    assert render_fragment(scope="seite-2", n=3) == "3"
    # No scope (a restricted page, a draft) or a template that forgot to set it: no cache.
    assert render_fragment(scope=None, n=4) == "4"
    assert render_fragment(scope=None, n=5) == "5"
    assert render_fragment(n=6) == "6"
    assert render_fragment(n=7) == "7"
