"""Security headers on every response: one Content-Security-Policy without 'unsafe-inline',
frame-ancestors 'none' except the embeds, Referrer-Policy, nosniff, Permissions-Policy,
Cross-Origin-Opener-Policy; and no inline script or style in any public page."""

from html.parser import HTMLParser

import pytest

from .public_pages import public_paths

pytestmark = pytest.mark.django_db


def policy(response):
    values = [v for k, v in response.items() if k.lower() == "content-security-policy"]
    assert len(values) == 1, values
    directives = {}
    for part in values[0].split(";"):
        name, _space, sources = part.strip().partition(" ")
        assert name not in directives, f"{name} twice"
        directives[name] = sources.split()
    return directives


class InlineFinder(HTMLParser):
    """Inline scripts (JSON-LD data excepted), <style> elements, style="" and on…="" attributes."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        data = attrs.get("type") in ("application/ld+json", "application/json")
        if tag == "script" and "src" not in attrs and not data:
            self.problems.append(f"inline <script {attrs}>")
        if tag == "style":
            self.problems.append("<style> element")
        if "style" in attrs:
            self.problems.append(f'style="{attrs["style"]}" on <{tag}>')
        for name in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
        for name in ("href", "src", "action"):
            if (attrs.get(name) or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")


def inline_code(html):
    finder = InlineFinder()
    finder.feed(html)
    # Markup inside <template> is inserted later by our own script and checked by the browser.
    return finder.problems


def assert_common_headers(response, path):
    assert response["X-Content-Type-Options"] == "nosniff", path
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", path
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", path
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions, path


def test_every_public_page_type_sends_the_headers_and_has_no_inline_code(client, demo_site):
    paths = public_paths()
    kinds = {name.split(":")[0] for name, _path in paths}
    assert {"html", "embed", "data", "static"} <= kinds
    page_types = [name for name, _path in paths if name.startswith("html:") and "." in name]
    # Home, library, case, theme pages, knowledge, glossary, events …: every page model.
    assert len(page_types) >= 8, page_types
    for name, path in paths:
        response = client.get(path)
        expected = 404 if name == "html:not-found" else 200
        assert response.status_code == expected, (name, path, response.status_code)
        assert_common_headers(response, path)
        directives = policy(response)
        for directive in ("script-src", "style-src", "default-src"):
            assert directives[directive] == ["'self'"], (path, directive)
        assert "'unsafe-inline'" not in str(directives), path
        assert "'unsafe-eval'" not in str(directives), path
        assert directives["object-src"] == ["'none'"]
        assert directives["base-uri"] == ["'self'"]
        if name.startswith("embed:"):
            assert directives["frame-ancestors"] == ["*"], path
            assert "X-Frame-Options" not in response, path
        else:
            assert directives["frame-ancestors"] == ["'none'"], path
            assert response["X-Frame-Options"] == "DENY", path
        if name.startswith(("html:", "embed:")):
            html = b"".join(response) if response.streaming else response.content
            problems = inline_code(html.decode())
            assert not problems, (path, problems)


def test_admin_has_its_own_policy(client, admin_client):
    """Wagtail's admin writes inline scripts (date widgets, inline panels) and style
    attributes: its policy allows inline code, nothing from other hosts, no framing."""
    for response in (client.get("/admin/login/"), admin_client.get("/admin/")):
        assert response.status_code == 200
        assert_common_headers(response, "/admin/")
        directives = policy(response)
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["script-src"] == ["'self'", "'unsafe-inline'"]
        assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
        assert directives["default-src"] == ["'self'"]
        assert directives["connect-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"]
        assert "'unsafe-eval'" not in str(directives)
    # A preview is the public template inside the admin's frame.
    response = admin_client.get(f"/admin/pages/{demo_site_case_id()}/edit/preview/")
    assert response.status_code == 200
    assert policy(response)["frame-ancestors"] == ["'self'"]


def demo_site_case_id():
    from casestudies.models import CasePage

    return CasePage.objects.live().order_by("path").first().pk
