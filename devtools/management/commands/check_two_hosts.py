"""Two app hosts, one truth (``make test-two-hosts``): two gunicorn servers with their own
``VAR_DIR`` (their own file caches, memos and search snapshots) on this command's database
and, with ``REDIS_URL``, one Redis. Both are warmed up; then this process changes content
through the ORM, as host A's admin would, and host B must show every change on its next
request, without a restart. With ``--shared-var-dir`` both servers share one ``VAR_DIR``
(one host with SQLite: two server processes on one database file)."""

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import PageViewRestriction

from casestudies.models import CaseLibraryPage, CasePage, CaseSectionPage
from core.geo import size_class_for
from devtools.loadgen import Server, collect_static
from search import engine

PICK_QUERY = "nahversorgung"
NEW_TITLE = "Dorfladen in Bürgerhand, neu betitelt"
NEW_THEME = "Klimaschutz und Energie (umbenannt)"
SECTION_SLUG = "netzwerk-zwei-hosts"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Host:
    def __init__(self, name, server):
        self.name = name
        self.server = server

    def get(self, path, **params):
        url = self.server.base_url + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with OPENER.open(url, timeout=60) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode(errors="replace")

    def text(self, path, **params):
        status, _headers, body = self.get(path, **params)
        if status != 200:
            raise CommandError(f"{self.name}: {path} {params} answered {status}")
        return body

    def search(self, query="", **filters):
        return json.loads(self.text("/api/search/", q=query, page_size=50, **filters))


def result_paths(body):
    return [urllib.parse.urlsplit(r["url"]).path for r in body["results"]]


def facet(body, name):
    return {value["value"]: value["label"] for value in body["facets"].get(name, [])}


def database_url():
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        raise CommandError("DATABASE_URL fehlt.")
    return f"sqlite:///{database['NAME']}"


class Command(BaseCommand):
    help = "Zwei App-Server auf einer Datenbank: jede Änderung auf A ist sofort auf B sichtbar."

    def add_arguments(self, parser):
        parser.add_argument("--shared-var-dir", action="store_true")

    def handle(self, *args, shared_var_dir, **options):
        if not CasePage.objects.live().exists():
            call_command("load_demo", verbosity=0)
        scene = self.prepare()
        collect_static()
        base = Path(settings.VAR_DIR)
        shared = {
            "STATIC_ROOT": str(base / "static"),
            "MEDIA_ROOT": str(base / "media"),
            "DATABASE_URL": database_url(),
            "PAGE_CACHE": "true",
        }
        with ExitStack() as stack:
            hosts = []
            for name in ("A", "B"):
                var_dir = base if shared_var_dir else base / f"host-{name.lower()}"
                var_dir.mkdir(parents=True, exist_ok=True)
                env = {**shared, "VAR_DIR": str(var_dir)}
                server = stack.enter_context(Server(workers=1, env=env))
                hosts.append(Host(name, server))
            self.stdout.write(
                f"Host A {hosts[0].server.base_url}, Host B {hosts[1].server.base_url}, "
                f"Datenbank {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
                f"Cache {'Redis' if settings.REDIS_URL else 'Dateien'}"
            )
            for host in hosts:
                self.check_before(host, scene)
            self.change(scene)
            for host in reversed(hosts):  # B first: it never saw the change being made
                self.check_after(host, scene)
        self.stdout.write(self.style.SUCCESS("Beide Hosts zeigen jede Änderung sofort."))

    def prepare(self):
        """The objects the changes touch, chosen so that each change is visible."""
        library = CaseLibraryPage.objects.get()
        cases = list(CasePage.objects.live().public().order_by("pk"))
        # A case shown among the related cases of another (the case page shows three).
        neighbour = next(c for c in cases if engine.related(c.pk))
        restricted = CasePage.objects.get(pk=engine.related(neighbour.pk)[0].hit.page.id)
        renamed = next(c for c in cases if c.pk not in (restricted.pk, neighbour.pk))
        moved = next(c for c in cases if c.pk not in (restricted.pk, neighbour.pk, renamed.pk))
        themed = next(
            c
            for c in cases
            if c.pk not in (restricted.pk, neighbour.pk, renamed.pk, moved.pk)
            and c.themes.exists()
            and c.case_towns.count() == 1
        )
        section = CaseSectionPage.objects.filter(slug=SECTION_SLUG).first()
        if section is None:
            section = library.add_child(
                instance=CaseSectionPage(title="Netzwerk Zwei Hosts", slug=SECTION_SLUG)
            )
            section.save_revision().publish()
        moved.move(section, pos="last-child")
        return {
            "restricted": restricted,
            "neighbour": neighbour,
            "renamed": CasePage.objects.get(pk=renamed.pk),
            "moved": CasePage.objects.get(pk=moved.pk),
            "section": CaseSectionPage.objects.get(pk=section.pk),
            "themed": themed,
            "theme": themed.themes.first(),
            "town": themed.case_towns.first().town,
            "pick": CasePage.objects.get(pk=neighbour.pk),
        }

    def check_before(self, host, scene):
        restricted, renamed = scene["restricted"], scene["renamed"]
        for _round in range(2):  # the second round comes from the page cache
            for page in (restricted, renamed, scene["neighbour"], scene["themed"]):
                host.text(page.url)
        status, headers, _body = host.get(renamed.url)
        self.expect(host, "Seitencache warm", headers.get("X-Page-Cache") == "hit")
        for name, present in self.visibility(host, scene).items():
            self.expect(host, f"vorher sichtbar: {name}", present)
        body = host.search(scene["moved"].title)
        self.expect(host, "alte Adresse", scene["moved"].url in result_paths(body))
        self.expect(host, "noch keine Empfehlung", "search-picks" not in self.pick_page(host))

    def change(self, scene):
        """Host A's editors, through the ORM: each change in its own transaction."""
        with transaction.atomic():
            PageViewRestriction.objects.create(
                page=scene["restricted"], restriction_type=PageViewRestriction.LOGIN
            )
        with transaction.atomic():
            scene["theme"].name = NEW_THEME
            scene["theme"].save()
        town = scene["town"]
        scene["old_size"] = town.size_class
        town.population = next(
            p for p in (2_000, 7_000, 15_000, 50_000) if size_class_for(p) != town.size_class
        )
        with transaction.atomic():
            town.save()
        section = scene["section"]
        section.slug = SECTION_SLUG + "-neu"
        with transaction.atomic():
            section.save_revision().publish()
        scene["moved"].refresh_from_db()
        renamed = scene["renamed"]
        renamed.title = NEW_TITLE
        with transaction.atomic():
            renamed.save_revision().publish()
        with transaction.atomic():
            SearchPromotion.objects.create(
                query=Query.get(PICK_QUERY), page=scene["pick"], sort_order=0
            )

    def check_after(self, host, scene):
        for name, present in self.visibility(host, scene).items():
            self.expect(host, f"geschützter Fall verschwunden: {name}", not present)
        status, _headers, _body = host.get(scene["restricted"].url)
        self.expect(host, "geschützte Seite nicht aus dem Cache", status in (302, 401, 403))

        themed = scene["themed"]
        facets = host.search(themed.title)
        theme_label = facet(facets, "thema").get(scene["theme"].slug)
        self.expect(host, "neuer Themenname in den Facetten", theme_label == NEW_THEME)
        new_size = scene["town"].size_class
        sizes = facet(host.search(themed.title, groesse=new_size), "groesse")
        self.expect(host, "neue Größenklasse in den Facetten", new_size in sizes)
        old = host.search(themed.title, groesse=scene["old_size"])
        self.expect(host, "alte Größenklasse trifft nicht", themed.url not in result_paths(old))

        moved = scene["moved"]
        paths = result_paths(host.search(moved.title))
        self.expect(host, "Treffer mit neuer Adresse", moved.url in paths)
        self.expect(host, "neue Adresse erreichbar", moved.title in host.text(moved.url))

        renamed = scene["renamed"]
        self.expect(host, "neuer Titel auf der Fallseite", NEW_TITLE in host.text(renamed.url))
        titles = [r["title"] for r in host.search(NEW_TITLE)["results"]]
        self.expect(host, "neuer Titel in der Suche", NEW_TITLE in titles)
        pick = self.pick_page(host)
        self.expect(host, "Empfehlung sichtbar", "search-picks" in pick)
        self.expect(host, "Empfehlung nennt den Fall", scene["pick"].title in pick)

    def visibility(self, host, scene):
        """Where the restricted case shows on this host."""
        case = scene["restricted"]
        suggestions = json.loads(host.text("/api/autocomplete/", q=case.title[:14]))
        return {
            "Suche": case.url in result_paths(host.search(case.title)),
            "Vorschläge": any(s["url"].endswith(case.url) for s in suggestions["suggestions"]),
            "ähnliche Fälle": case.url in host.text(scene["neighbour"].url),
            "Feed": case.url in host.text("/feeds/faelle/atom/", q=case.title),
            "Export": case.slug in host.text("/export/faelle.csv", q=case.title),
            "Einbettung": host.get(f"/einbetten/fall/{case.slug}/")[0] == 200,
            "Fallseite": host.get(case.url)[0] == 200,
        }

    def pick_page(self, host):
        return host.text("/suche/", q=PICK_QUERY)

    def expect(self, host, what, ok):
        if not ok:
            raise CommandError(f"Host {host.name}: {what}: nicht erfüllt")
        if self.verbosity_level > 1:
            self.stdout.write(f"Host {host.name}: {what}: ok")

    def execute(self, *args, **options):
        self.verbosity_level = options.get("verbosity", 1)
        return super().execute(*args, **options)
