"""Varnish (Debian's varnishd) in front of gunicorn with the repository's VCL
(deploy/varnish.vcl) and Wagtail's frontend cache invalidation (HTTP PURGE): a case page is
served from Varnish, a new title is published, and Varnish serves the new title at once.

The site runs as in production (cms.settings.production, gunicorn, its own SQLite database
and VAR_DIR in a temporary directory); the publish happens in another process, as an editor's
request would on another app host. ``.ci/run`` installs varnish when it is missing; under
CI=true a missing varnishd fails the test.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from devtools.loadgen import free_port

ROOT = Path(__file__).resolve().parent.parent
VCL = ROOT / "deploy" / "varnish.vcl"
CASE_SLUG = "osterburg-buergerrat-klimaschutz"


def varnishd():
    found = shutil.which("varnishd") or (
        "/usr/sbin/varnishd" if Path("/usr/sbin/varnishd").exists() else None
    )
    if not found:
        message = "varnishd fehlt (apt-get install varnish; .ci/run installiert es)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def manage(env, *args, code=None):
    command = [sys.executable, "manage.py", *args]
    if code is not None:
        command += ["-c", code]
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout


def wait_for(url, process, what, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - loopback
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{what} did not start")
            time.sleep(0.3)


def get(url):
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
        return response.read().decode(), dict(response.headers)


def title_of(content):
    return re.search(r"<h1[^>]*>(.*?)</h1>", content, re.S).group(1).strip()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """gunicorn (1 worker) and varnishd on loopback ports, with demo content."""
    varnish = varnishd()
    tmp = tmp_path_factory.mktemp("varnish-stack")
    app_port, cache_port = free_port(), free_port()
    cache_url = f"http://127.0.0.1:{cache_port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SECRET_KEY": "varnish-test-only-" + "x" * 40,
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "VAR_DIR": str(tmp / "var"),
        "LOG_LEVEL": "WARNING",
        "FRONTEND_CACHE_URL": cache_url,
        "CACHE_S_MAXAGE": "3600",
    }
    env.pop("DATABASE_URL", None)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    # The site is reached through Varnish: its URL is what Wagtail purges.
    manage(
        env,
        "shell",
        code=(
            "from wagtail.models import Site\n"
            "for site in Site.objects.all():\n"
            f"    site.hostname, site.port = '127.0.0.1', {cache_port}\n"
            "    site.save()  # Wagtail clears its cached site root paths\n"
        ),
    )
    gunicorn = subprocess.Popen(  # noqa: S603 - the venv's gunicorn
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "cms.wsgi",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{app_port}",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    # varnishd drops its privileges (Debian: user vcache): its files sit in a directory it
    # may read, not in pytest's private temporary directory.
    varnish_dir = Path(tempfile.mkdtemp(prefix="praxisatlas-varnish-"))
    varnish_dir.chmod(0o755)
    vcl = varnish_dir / "site.vcl"
    vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{app_port}";'))
    vcl.chmod(0o644)
    workdir = varnish_dir / "work"
    cache = subprocess.Popen(  # noqa: S603 - Debian's varnishd
        [
            varnish,
            "-F",
            "-n",
            str(workdir),
            "-a",
            f"127.0.0.1:{cache_port}",
            "-f",
            str(vcl),
            "-s",
            "malloc,32m",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{app_port}/", gunicorn, "gunicorn")
        wait_for(cache_url + "/", cache, "varnishd")
        yield env, cache_url
    finally:
        for process in (cache, gunicorn):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(varnish_dir, ignore_errors=True)


def test_varnish_caches_a_case_page_and_publishing_purges_it(stack):
    env, cache_url = stack
    url = manage(
        env,
        "shell",
        code=(
            "from casestudies.models import CasePage; "
            f"print(CasePage.objects.get(slug='{CASE_SLUG}').full_url)"
        ),
    ).splitlines()[-1]
    assert url.startswith(cache_url + "/"), url

    first, headers = get(url)
    assert headers["X-Cache"] == "MISS"
    again, headers = get(url)
    assert headers["X-Cache"] == "HIT", headers
    assert again == first
    old_title = title_of(first)

    new_title = "Bürgerrat Klimaschutz Osterburg: zweite Runde"
    manage(
        env,
        "shell",
        code=(
            "from casestudies.models import CasePage; "
            f"page = CasePage.objects.get(slug='{CASE_SLUG}'); "
            f"page.title = {new_title!r}; "
            "page.save_revision().publish()"
        ),
    )
    after, headers = get(url)
    assert title_of(after) == new_title != old_title
    assert headers["X-Cache"] == "MISS"
    _, headers = get(url)
    assert headers["X-Cache"] == "HIT"


def test_varnish_never_caches_the_admin(stack):
    _, cache_url = stack
    request = urllib.request.Request(cache_url + "/admin/login/")  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.headers["X-Cache"] == "MISS"
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.headers["X-Cache"] == "MISS"
