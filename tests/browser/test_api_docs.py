"""The API documentation (/api/docs) in a real browser: Swagger UI renders the generated
OpenAPI document from the site's own files, under the site's Content-Security-Policy (a
refused script or style would be a console error, and the page fixture fails on those)."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_the_generated_document(page, live_server, demo_site):
    page.goto(f"{live_server.url}/api/docs")
    expect(page.get_by_role("heading", name="Praxisatlas Kleinstadt API")).to_be_visible()
    search = page.locator(".opblock", has_text="/api/search/").first
    expect(search).to_contain_text("Fälle suchen")
    expect(page.locator(".opblock", has_text="/export/faelle.csv").first).to_be_visible()
    # Open the operation: its parameters come from the document.
    search.locator(".opblock-summary").click()
    expect(search.get_by_text("sortierung", exact=True)).to_be_visible()
