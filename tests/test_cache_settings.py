"""With REDIS_URL every cache is Redis (shared by all app hosts); without it the embedded
default needs nothing but the disk. Each check runs the settings in a fresh interpreter, as a
server would start; the Redis check starts its own redis-server."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.core.cache import caches
caches["pages"].set("probe", "seite", 60)
caches["default"].set("probe", "standard", 60)
print(json.dumps({
    "backends": {name: config["BACKEND"] for name, config in settings.CACHES.items()},
    "pages": caches["pages"].get("probe"),
    "default": caches["default"].get("probe"),
}))
"""


def probe(tmp_path, **env):
    environment = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    environment.update(
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        SECRET_KEY="settings-test",
        VAR_DIR=str(tmp_path),
        **env,
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server fehlt (apt-get install redis-server)")
        pytest.skip("redis-server fehlt")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", tmp_path],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_with_redis_url_every_cache_is_redis(tmp_path, redis_url):
    got = probe(tmp_path, REDIS_URL=redis_url)
    assert set(got["backends"].values()) == {"django.core.cache.backends.redis.RedisCache"}
    assert (got["pages"], got["default"]) == ("seite", "standard")
    assert not (tmp_path / "cache").exists()


def test_without_redis_url_the_caches_are_files_in_var_dir(tmp_path):
    got = probe(tmp_path)
    backends = dict(got["backends"])
    # Rendered fragments stay in each process's memory: their keys carry the content
    # generation from the database, so no process serves one after a change.
    assert backends.pop("template_fragments") == "django.core.cache.backends.locmem.LocMemCache"
    assert set(backends.values()) == {"django.core.cache.backends.filebased.FileBasedCache"}
    assert (got["pages"], got["default"]) == ("seite", "standard")
    assert any((tmp_path / "cache" / "pages").iterdir())
