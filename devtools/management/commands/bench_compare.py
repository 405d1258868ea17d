"""``make bench-compare``: our pages side by side with the official Wagtail demo
(wagtail/bakerydemo) and a minimal Django view, served the same way (gunicorn, sync workers,
production settings, SQLite, loopback) and loaded with the same wrk settings as ``bench_site``.

Rounds alternate between the servers, so each ratio compares runs made back to back on a
machine whose load may change; the load average is printed with every figure. Not a test:
it reports the ratios and names missed targets, it does not fail on them.

- our uncached case page (page cache off, 2,000 different cases) against bakerydemo's bread
  pages (every bread page, LocMem cache as its production settings without Redis);
- our cached case page (page cache on, through Redis when ``REDIS_URL`` is set, else the
  file cache) against ``devtools.benchminimal``, one view without database or middleware.
"""

import os
import statistics
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from devtools.loadgen import (
    Server,
    clear_caches,
    collect_static,
    ensure_wrk,
    machine_description,
    run_wrk,
)

from .bench_search import Command as SearchBench
from .bench_site import CACHED_PATHS, WARM_CASE_PATHS, page_paths

TARGETS = {"case_vs_bread": 3.0, "cached_vs_minimal": 0.5}


# A busy machine (other jobs on the same cores) needs patience to boot gunicorn and a
# longer wrk timeout; both only wait longer, they do not change what is measured.
STARTUP_SECONDS = 300
WRK_TIMEOUT = 60
WARM_RUNS = 10


def load_average():
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


class Bakerydemo:
    """A bakerydemo checkout with its own virtualenv (``scripts/bakerydemo-setup``)."""

    def __init__(self, directory):
        self.directory = Path(directory).resolve()
        self.python = self.directory / ".venv" / "bin" / "python"
        if not self.python.exists():
            raise CommandError(
                _("bakerydemo fehlt unter %(dir)s: scripts/bakerydemo-setup %(dir)s")
                % {"dir": self.directory}
            )
        self.env = {
            "DJANGO_SETTINGS_MODULE": "bakerydemo.settings.production",
            "DJANGO_SECRET_KEY": "bakerydemo-loopback-measurements-only",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on loopback, as ours (a redirect to HTTPS would be measured instead).
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": f"sqlite:///{self.directory / 'bakerydemodb'}",
            "PYTHONPATH": str(self.directory),
            # bakerydemo's production settings switch to django-redis when REDIS_URL is set,
            # which its requirements do not install; its bread page is measured uncached.
            "REDIS_URL": "",
            "REDIS_TLS_URL": "",
        }

    def manage(self, *args):
        return subprocess.run(  # noqa: S603 - the checkout's own interpreter
            [str(self.python), "manage.py", *args],
            cwd=self.directory,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def bread_paths(self):
        code = (
            "from bakerydemo.breads.models import BreadPage\n"
            "for page in BreadPage.objects.live().public():\n"
            "    print(page.get_url_parts()[2])\n"
        )
        # ``shell`` also prints what it imported: only the paths.
        output = self.manage("shell", "-c", code).splitlines()
        paths = [line for line in output if line.startswith("/")]
        if not paths:
            raise CommandError(_("bakerydemo hat keine Brotseiten: Demodaten laden"))
        return paths

    def server(self, workers):
        return Server(
            workers=workers,
            app="bakerydemo.wsgi",
            cwd=self.directory,
            gunicorn=self.python.with_name("gunicorn"),
            base_env=self.env,
            startup_seconds=STARTUP_SECONDS,
            wait_for_search=False,
        )


class Command(BaseCommand):
    help = _(
        "Vergleicht die ungecachte Fallseite mit der Brotseite der Wagtail-Demo (bakerydemo) "
        "und die gecachte Fallseite mit einer minimalen Django-View, gleiche Servereinstellungen."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bakerydemo", required=True, help=_("Checkout von bakerydemo"))
        parser.add_argument("--cases", type=int, default=10_000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--seconds", type=int, default=10)
        parser.add_argument("--connections", type=int, default=4)
        parser.add_argument("--rounds", type=int, default=2)
        parser.add_argument(
            "--skip-collectstatic",
            action="store_true",
            help=_("statische Dateien nicht neu sammeln (nach einem Lauf ohne Änderung)"),
        )

    def handle(self, *args, bakerydemo, cases, workers, seconds, connections, rounds, **options):
        ensure_wrk()
        bakery = Bakerydemo(bakerydemo)
        SearchBench(stdout=self.stdout, stderr=self.stderr).ensure_cases(
            cases, seed=0, progress_bar=False
        )
        if not options["skip_collectstatic"]:
            collect_static()
        case_paths = page_paths()["Fallseite"]
        bread_paths = bakery.bread_paths()
        self.wrk = {"seconds": seconds, "connections": connections}
        for line in machine_description():
            self.stdout.write(line)
        self.stdout.write(
            _("gunicorn %(w)d Worker (sync), wrk %(c)d Verbindungen, %(s)d s je Messung")
            % {"w": workers, "c": connections, "s": seconds}
        )

        pairs = {"case_vs_bread": [], "cached_vs_minimal": []}
        for number in range(1, rounds + 1):
            self.stdout.write(_("Runde %d") % number)
            ours = self.measure_uncached_case(workers, case_paths)
            bread = self.measure(bakery.server(workers), bread_paths, "bakerydemo Brotseite")
            pairs["case_vs_bread"].append((ours, bread))
            cached = self.measure_cached_case(workers, case_paths[:CACHED_PATHS])
            minimal = self.measure(
                Server(
                    workers=workers,
                    app="devtools.benchminimal:application",
                    base_env={},
                    startup_seconds=STARTUP_SECONDS,
                    wait_for_search=False,
                ),
                ["/"],
                "minimale Django-View",
            )
            pairs["cached_vs_minimal"].append((cached, minimal))
        self.report(pairs)

    def measure(self, server, paths, label, warm=None):
        with server:
            status, _headers = server.fetch(paths[0])
            if status != 200:
                raise CommandError(f"{label}: {paths[0]} {status}")
            connections = self.wrk["connections"]
            # Warm until the throughput stops rising (every worker has built its search
            # snapshot and memos): 3 s runs, at most WARM_RUNS of them.
            previous = 0
            for _run in range(WARM_RUNS):
                warmed = run_wrk(
                    server.base_url, warm or paths, 3, connections, timeout=WRK_TIMEOUT
                )
                if previous and warmed["rps"] <= previous * 1.2:
                    break
                previous = warmed["rps"]
            result = run_wrk(
                server.base_url, paths, self.wrk["seconds"], connections, timeout=WRK_TIMEOUT
            )
        self.stdout.write(
            f"  {label:<40} {result['rps']:8.0f} req/s  p50 {result['p50_us'] / 1000:6.1f} ms  "
            f"p95 {result['p95_us'] / 1000:6.1f} ms  {_('Fehler')} {result['errors']}  "
            f"load {load_average()}"
        )
        if result["errors"]:
            raise CommandError(
                _("%(label)s: %(n)d Fehler") % {"label": label, "n": result["errors"]}
            )
        return result["rps"]

    def measure_uncached_case(self, workers, paths):
        clear_caches()
        server = Server(
            workers=workers, env={"PAGE_CACHE": "false"}, startup_seconds=STARTUP_SECONDS
        )
        return self.measure(server, paths, _("Fallseite ungecacht"), warm=paths[-WARM_CASE_PATHS:])

    def measure_cached_case(self, workers, paths):
        env = {"PAGE_CACHE": "true"}
        label = _("Fallseite gecacht (Dateicache)")
        if os.environ.get("REDIS_URL"):
            label = _("Fallseite gecacht (Redis)")
        server = Server(workers=workers, env=env, startup_seconds=STARTUP_SECONDS)
        with server:
            for path in paths:
                server.fetch(path)
        server = Server(workers=workers, env=env, startup_seconds=STARTUP_SECONDS)
        return self.measure(server, paths, label)

    def report(self, pairs):
        self.stdout.write("")
        names = {
            "case_vs_bread": _("Fallseite ungecacht / bakerydemo Brotseite"),
            "cached_vs_minimal": _("Fallseite gecacht / minimale Django-View"),
        }
        for key, measured in pairs.items():
            ratios = [ours / other for ours, other in measured]
            ratio = statistics.median(ratios)
            verdict = _("erreicht") if ratio >= TARGETS[key] else _("verfehlt")
            self.stdout.write(
                f"{names[key]}: "
                + ", ".join(
                    f"{ours:.0f}/{other:.0f} = {r:.2f}"
                    for (ours, other), r in zip(measured, ratios, strict=True)
                )
                + f"; Median {ratio:.2f} ({_('Ziel')} ≥ {TARGETS[key]}: {verdict})"
            )
