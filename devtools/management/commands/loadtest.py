"""Load test (``make loadtest``): 60 s of bounded load over every public page type against
gunicorn on loopback. Fails on any error or non-2xx/3xx answer, and if the workers' resident
memory grows by ``--max-growth`` or more between the end of the warm-up and the end."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from agenda.models import EventPage
from devtools.loadgen import Server, collect_static, machine_description, run_wrk
from knowledge.models import GuidePage

from .bench_search import Command as SearchBench
from .bench_site import page_paths


def mixed_paths():
    paths = []
    for kind_paths in page_paths(sample=60).values():
        paths.extend(kind_paths)
    paths += ["/faelle/thema/", "/faelle/thema/wohnen/", "/wissen/", "/veranstaltungen/"]
    paths += [page.url for page in GuidePage.objects.live()[:5]]
    paths += [page.url for page in EventPage.objects.live()[:5]]
    paths += ["/feeds/faelle/rss/", "/feeds/faelle/atom/?thema=wohnen"]
    return paths


class Command(BaseCommand):
    help = _(
        "Lasttest: 60 s begrenzte Last über alle Seitenarten gegen gunicorn auf 127.0.0.1; "
        "scheitert bei Fehlern, 5xx oder wachsendem Speicher der Worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--warmup", type=int, default=15)
        parser.add_argument("--rate", type=int, default=40, help=_("Anfragen je Sekunde"))
        parser.add_argument("--connections", type=int, default=4)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--cases", type=int, default=300)
        parser.add_argument(
            "--max-growth", type=float, default=10.0, help=_("höchstens erlaubtes Wachstum in %%")
        )

    def handle(self, *args, seconds, warmup, rate, connections, workers, cases, **options):
        SearchBench(stdout=self.stdout, stderr=self.stderr).ensure_cases(
            cases, seed=0, progress_bar=False
        )
        collect_static()
        paths = mixed_paths()
        for line in machine_description():
            self.stdout.write(line)
        with Server(workers=workers) as server:
            for path in paths:
                status, _headers = server.fetch(path)
                if status >= 400:
                    raise CommandError(f"{path}: {status}")
            self.stdout.write(_("Aufwärmen: %d s …") % warmup)
            run_wrk(server.base_url, paths, warmup, connections, rate=rate)
            before = server.worker_rss_kb()
            self.stdout.write(
                _("Last: %(s)d s mit höchstens %(r)d Anfragen/s über %(n)d Adressen …")
                % {"s": seconds, "r": rate, "n": len(paths)}
            )
            result = run_wrk(server.base_url, paths, seconds, connections, rate=rate)
            after = server.worker_rss_kb()

        problems = self.report(result, before, after, rate * seconds, options["max_growth"])
        if problems:
            raise CommandError("; ".join(problems))
        self.stdout.write(self.style.SUCCESS(_("Lasttest bestanden.")))

    def report(self, result, before, after, expected, max_growth):
        """Write the load's figures and each worker's memory; return the problems found."""
        self.stdout.write(
            _(
                "%(n)d Anfragen (%(rps).1f/s), Median %(p50).1f ms, p95 %(p95).1f ms, "
                "p99 %(p99).1f ms; Fehler: Verbindung %(connect)d, Lesen %(read)d, "
                "Schreiben %(write)d, Status %(status)d, Zeitüberschreitung %(timeout)d"
            )
            % {
                **result,
                "n": result["requests"],
                "p50": result["p50_us"] / 1000,
                "p95": result["p95_us"] / 1000,
                "p99": result["p99_us"] / 1000,
            }
        )
        problems = []
        if result["errors"]:
            problems.append(_("%d fehlerhafte Antworten") % result["errors"])
        if result["requests"] < expected * 0.5:
            problems.append(_("nur %d Anfragen beantwortet") % result["requests"])
        if set(before) != set(after):
            problems.append(
                _("Worker wurden neu gestartet: %(a)s -> %(b)s")
                % {"a": sorted(before), "b": sorted(after)}
            )
        for pid in sorted(before):
            start, end = before[pid] / 1024, after.get(pid, 0) / 1024
            growth = 100 * (end - start) / start if start else float("inf")
            self.stdout.write(
                _("Worker %(pid)d: %(a).1f MB -> %(b).1f MB (%(g)+.1f %%)")
                % {"pid": pid, "a": start, "b": end, "g": growth}
            )
            if growth >= max_growth:
                problems.append(
                    _("Speicher von Worker %(pid)d wächst um %(g).1f %%")
                    % {"pid": pid, "g": growth}
                )
        return problems
