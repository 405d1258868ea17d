"""Serve the site with gunicorn on loopback and load it with wrk: shared by ``bench_site``
(``make bench``) and ``loadtest`` (``make loadtest``)."""

import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from http import HTTPStatus
from pathlib import Path

import django
import wagtail
from django.conf import settings
from django.core.cache import caches
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from core.cache import clear_page_cache

# Where a worker says whether it answers searches yet (search.api.SearchStatusView).
SEARCH_STATUS_PATH = "/api/search/status/"
# wrk's Lua hooks: cycle through the paths (one per line in PATHS_FILE), count non-2xx/3xx
# answers, and report the numbers as one JSON line in done().
WRK_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local counter = 0
local rate = tonumber(os.getenv("WRK_RATE") or "0")

-- Each thread starts at its own share of the paths, so that with many paths no two threads
-- ask for the same one in a row.
local threads = tonumber(os.getenv("WRK_THREADS") or "1")
local started = 0
setup = function(thread)
  thread:set("offset", started * math.floor(#paths / threads))
  started = started + 1
end

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[((counter + (offset or 0)) % #paths) + 1])
end

if rate > 0 then
  -- Bounded load: each connection waits so that all of them together send about `rate`
  -- requests per second.
  local connections = tonumber(os.getenv("WRK_CONNECTIONS") or "1")
  delay = function() return 1000 * connections / rate end
end

done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def clear_caches():
    """Empty every configured cache (pages, Django's default, rendered fragments): a
    measurement "ungecacht" starts cold, whatever an earlier run left in Redis or files."""
    for alias in settings.CACHES:
        caches[alias].clear()
    clear_page_cache()  # and this process's memory of pages in front of the shared cache


def server_environment():
    """Production settings on loopback, with this command's database and VAR_DIR."""
    return {
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SECRET_KEY": "loopback-measurements-only",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "VAR_DIR": str(settings.VAR_DIR),
    }


def collect_static():
    """The production settings serve hashed static files from a manifest: collect them."""
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env={**os.environ, **server_environment()},
        check=True,
    )


def ensure_wrk():
    """wrk from Debian; installed with apt-get when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False)  # noqa: S607
        found = shutil.which("wrk")
    if not found:
        raise CommandError(
            _("wrk fehlt: „apt-get install wrk“ (als root) installiert den Lastgenerator.")
        )
    return found


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine_description():
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return [
        f"CPU: {cpu}, {os.cpu_count()} Kerne, Load average (1/5/15 min): {load}",
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"Wagtail {wagtail.__version__}, {platform.system()} {platform.release()}",
    ]


def rss_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


class Server:
    """gunicorn with ``workers`` sync workers on 127.0.0.1, with the given extra environment.
    By default the site (``cms.wsgi``, production settings); ``app``, ``cwd``, ``gunicorn``
    and ``base_env`` serve another WSGI application the same way (``make bench-compare``),
    which has no search to wait for (``wait_for_search=False``)."""

    def __init__(
        self,
        workers=2,
        env=None,
        app="cms.wsgi",
        cwd=None,
        gunicorn=None,
        base_env=None,
        startup_seconds=60,
        wait_for_search=True,
    ):
        self.workers = workers
        self.wait_for_search = wait_for_search
        self.port = free_port()
        base = server_environment() if base_env is None else base_env
        self.env = {**os.environ, **base, **(env or {})}
        self.app = app
        self.cwd = cwd or settings.BASE_DIR
        self.gunicorn = gunicorn or Path(sys.executable).with_name("gunicorn")
        self.startup_seconds = startup_seconds
        self.process = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(self.gunicorn),
                self.app,
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--timeout",
                "60",
            ],
            cwd=self.cwd,
            env=self.env,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CommandError(_("gunicorn ist nicht gestartet."))
            try:
                with urllib.request.urlopen(self.base_url + "/", timeout=10):  # noqa: S310
                    pass
                if len(self.worker_pids()) >= self.workers and (
                    not self.wait_for_search or self.search_is_ready()
                ):
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise CommandError(_("gunicorn antwortet nicht."))

    def search_is_ready(self):
        """Each worker builds its search state in the background from its start
        (search.engine.warm_up) and answers 503 to a search until then: measure and load
        only ready workers (a few answers in a row, which reach every worker). Asked at
        /api/search/status/, which answers 200 either way: the server logs no 503 for it."""
        for _attempt in range(3 * self.workers):
            status, body = self.read(SEARCH_STATUS_PATH)
            if status != HTTPStatus.OK or not json.loads(body).get("ready"):
                return False
        return True

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def worker_pids(self):
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def worker_rss_kb(self):
        return {pid: rss_kb(pid) for pid in self.worker_pids()}

    def fetch(self, path):
        """GET one path; returns (status, headers)."""
        status, headers, _body = self._get(path)
        return status, headers

    def read(self, path):
        """GET one path; returns (status, body)."""
        status, _headers, body = self._get(path)
        return status, body

    def _get(self, path):
        request = urllib.request.Request(self.base_url + path)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


def run_wrk(base_url, paths, seconds, connections=4, threads=2, rate=0, timeout=10):
    """Load ``paths`` (cycled) for ``seconds``; returns wrk's numbers as a dict."""
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "report.lua")
        script.write_text(WRK_SCRIPT)
        paths_file = Path(tmp, "paths.txt")
        paths_file.write_text("\n".join(paths) + "\n")
        env = {
            **os.environ,
            "WRK_PATHS": str(paths_file),
            "WRK_RATE": str(rate),
            "WRK_CONNECTIONS": str(connections),
            "WRK_THREADS": str(min(threads, connections)),
        }
        completed = subprocess.run(  # noqa: S603
            [
                wrk,
                f"-t{min(threads, connections)}",
                f"-c{connections}",
                f"-d{seconds}s",
                f"--timeout={timeout}s",
                "-s",
                str(script),
                base_url,
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith("{"):
            result = json.loads(line)
            result["errors"] = sum(
                result[key] for key in ("connect", "read", "write", "status", "timeout")
            )
            result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
            return result
    raise CommandError(f"wrk: {completed.stdout}\n{completed.stderr}")
