"""Browser tests: headless Chromium (Debian's /usr/bin/chromium) driven by Playwright's sync
API against pytest-django's live server.

Every test gets a fresh browser context whose console errors, page errors and requests are
recorded; a test fails at teardown if anything was logged as an error or if the browser
asked any host other than the live server for anything.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in the main thread; Django's async-safety check
# would otherwise refuse the ORM calls made by fixtures in that thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium fehlt unter {CHROMIUM} (scripts/ensure-chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _demo_database(transactional_db, demo_database):
    """Every browser test starts from the demo content, committed (the live server reads it
    from another thread): loaded once, copied back before each test (demo_database.py)."""
    demo_database.restore()


class BrowserLog:
    """What the browser reported during one test."""

    def __init__(self, server_url):
        self.server = urlsplit(server_url).netloc
        self.allowed_hosts = {self.server}
        self.allowed_console = []
        self.console_errors = []
        self.page_errors = []
        self.requests = []

    def allow_host(self, host):
        """Accept requests to another host from now on (after a visitor's explicit consent)."""
        self.allowed_hosts.add(host)

    def allow_console_error(self, pattern):
        """Accept console errors matching a regular expression (e.g. a deliberate 404)."""
        self.allowed_console.append(re.compile(pattern))

    def on_console(self, message):
        if message.type == "error" and not any(
            pattern.search(message.text) for pattern in self.allowed_console
        ):
            self.console_errors.append(message.text)

    def on_request(self, request):
        self.requests.append(request.url)

    def foreign_requests(self):
        foreign = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if parts.netloc not in self.allowed_hosts:
                foreign.append(url)
        return foreign


@pytest.fixture
def browser_log(live_server):
    return BrowserLog(live_server.url)


@pytest.fixture
def page(request, browser, browser_log):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="de-DE",
        service_workers="block",
        # Tests marked ``axe`` inject axe-core, a script the site does not serve; the page's
        # Content-Security-Policy would refuse it.
        bypass_csp=request.node.get_closest_marker("axe") is not None,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("console", browser_log.on_console)
    page.on("pageerror", lambda error: browser_log.page_errors.append(str(error)))
    # Registered on the context, so requests from frames and workers are seen too.
    context.on("request", browser_log.on_request)
    yield page
    context.close()
    problems = []
    if browser_log.console_errors:
        problems.append(f"Konsolenfehler: {browser_log.console_errors}")
    if browser_log.page_errors:
        problems.append(f"JavaScript-Fehler: {browser_log.page_errors}")
    foreign = browser_log.foreign_requests()
    if foreign:
        problems.append(f"Anfragen an Dritte: {foreign}")
    if problems:
        pytest.fail("\n".join(problems))
