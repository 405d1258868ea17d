"""The Content-Security-Policy in a real browser: every public page type and the embeds load
without a single violation (no inline script or style slipped in), and so does the Wagtail
admin with its own policy. A violation shows up twice: as a ``securitypolicyviolation``
event (recorded by an init script) and as a "Refused to …" console error (which the
browser conftest turns into a failure as well)."""

import pytest

from tests.public_pages import public_paths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile}:${event.lineNumber}) ${event.sample}`
  );
});
"""


def visit(page, url):
    response = page.goto(url)
    assert response is not None
    page.wait_for_load_state("load")
    header = response.header_value("content-security-policy")
    assert header and "script-src 'self'" in header, url
    return page.evaluate("window.__cspViolations"), response


def test_no_policy_violation_on_any_public_page(page, live_server, browser_log, demo_site):
    browser_log.allow_console_error(r"404 \(Not Found\)")
    page.add_init_script(RECORD_VIOLATIONS)
    refused = []
    page.on("console", lambda m: "Refused to" in m.text and refused.append(m.text))
    visited = 0
    for name, path in public_paths():
        if not name.startswith(("html:", "embed:")):
            continue
        violations, response = visit(page, live_server.url + path)
        assert not violations, (path, violations)
        assert not refused, (path, refused)
        visited += 1
    assert visited >= 15


def test_autocomplete_and_filters_work_under_the_policy(page, live_server, demo_site):
    page.add_init_script(RECORD_VIOLATIONS)
    visit(page, live_server.url + "/suche/")
    field = page.get_by_label("Suchbegriff")
    field.fill("Leer")
    page.wait_for_selector("[role=listbox] [role=option]")
    assert page.locator("[role=listbox] [role=option]").count() > 0
    assert page.evaluate("window.__cspViolations") == []


def test_admin_works_under_its_policy(page, live_server, django_user_model, demo_site):
    django_user_model.objects.create_superuser("redaktion", "r@example.org", "richtig-und-lang")
    page.add_init_script(RECORD_VIOLATIONS)
    violations, _response = visit(page, live_server.url + "/admin/login/")
    assert not violations
    page.fill("input[name=username]", "redaktion")
    page.fill("input[name=password]", "richtig-und-lang")
    page.click("form button[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    case = demo_site.case("istag-muensterland-wohnungsbaugesellschaft")
    for path in (
        "/admin/",
        f"/admin/pages/{demo_site.library.pk}/",
        f"/admin/pages/{case.pk}/edit/",
        "/admin/images/",
        "/admin/documents/",
        "/admin/snippets/",
    ):
        violations, response = visit(page, live_server.url + path)
        assert response.status == 200, path
        assert not violations, (path, violations)
