"""The admin upload: type and size checks, dry run with row errors and a preview, confirm,
the import in steps with its JSON status, the page history and the import record."""

import io
import json

import openpyxl
import pytest
from django.urls import reverse
from wagtail.models import PageLogEntry

from casestudies.importer import export_record
from casestudies.models import CasePage
from transfer.models import ImportJob

from .helpers import json_upload, revisions_of, snapshot, upload

INDEX = "/admin/import-export/"


def post_file(client, file):
    return client.post(INDEX, {"file": file}, follow=True)


def run_to_end(client, job):
    """Drive the steps as the page's script does, collecting each JSON status."""
    statuses = []
    client.post(reverse("transfer:start", args=[job.pk]))
    for _step in range(100):
        response = client.post(
            reverse("transfer:step", args=[job.pk]), HTTP_ACCEPT="application/json"
        )
        assert response.status_code == 200
        statuses.append(response.json())
        if statuses[-1]["status"] != "running":
            break
    return statuses


@pytest.mark.django_db
def test_broken_csv_changes_nothing_and_shows_each_bad_row(admin_client, demo_site):
    before = snapshot()
    csv_text = (
        "title,slug,summary,town,state,status,last_checked\n"
        "Guter Fall,guter-fall,Kurz.,Telgte,NW,laufend,2024-01-01\n"
        "Falsches Land,falsches-land,Kurz.,Atlantis,XX,laufend,\n"
        "Falscher Status,falscher-status,Kurz.,Telgte,NW,vielleicht,\n"
        ",ohne-titel,Kurz.,Telgte,NW,laufend,\n"
        "Falsches Datum,falsches-datum,Kurz.,Telgte,NW,laufend,31.12.2024\n"
        "Ohne Kurzfassung,ohne-kurzfassung,,Telgte,NW,laufend,\n"
    )
    response = post_file(admin_client, upload("faelle.csv", csv_text))
    assert response.status_code == 200
    content = response.content.decode()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID
    assert snapshot() == before

    assert "5 Fehler" in content
    assert "nichts wurde geändert" in content
    assert "Import ausführen" not in content
    # CSV rows are counted like a spreadsheet: the header is line 1.
    rows = {(error["number"] + 1, error["field"]) for error in job.errors}
    assert rows == {
        (3, "town.state"),
        (4, "status"),
        (5, "title"),
        (6, "last_checked"),
        (7, "summary"),
    }
    assert "unbekanntes Bundesland „XX“" in content
    assert "„vielleicht“ ist kein bekannter Status" in content
    assert "fehlt (Pflichtfeld)" in content
    assert "ist kein Datum der Form JJJJ-MM-TT" in content
    assert "fehlt (Pflichtfeld für neue Fälle)" in content
    for slug in ("falsches-land", "falscher-status", "ohne-titel", "falsches-datum"):
        assert slug in content


@pytest.mark.django_db
def test_dry_run_previews_each_row_then_the_import_runs_in_steps(admin_client, demo_site):
    changed = export_record(demo_site.case("istag-muensterland-wohnungsbaugesellschaft"))
    changed["summary"] = "Eine neue Kurzfassung aus dem Import."
    changed["tags"] = [*changed["tags"], "Importtest"]
    same_page = CasePage.objects.filter(live=True).exclude(slug=changed["slug"]).first()
    unchanged = export_record(same_page)
    new = {
        "title": "Ganz neuer Fall",
        "summary": "Kurz.",
        "town": "Telgte",
        "state": "NW",
        "themes": ["Wohnen"],
        "period": "2025",
        "status": "laufend",
    }
    revisions_before = revisions_of(same_page)
    changed_revisions = revisions_of(CasePage.objects.get(slug=changed["slug"]))
    before = snapshot()

    response = post_file(admin_client, json_upload([new, changed, unchanged]))
    content = response.content.decode()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKED
    assert snapshot() == before  # the dry run wrote nothing
    assert "Probelauf bestanden" in content
    assert "1 neu, 1 geändert, 1 unverändert" in content
    preview = {row["slug"]: (row["action"], row["fields"]) for row in job.preview}
    assert preview["ganz-neuer-fall"] == ("new", [])
    assert preview[changed["slug"]] == ("changed", ["summary", "tags"])
    assert preview[unchanged["slug"]] == ("unchanged", [])
    assert "geändert: summary, tags" in content

    statuses = run_to_end(admin_client, job)
    assert statuses[-1]["status"] == "done"
    assert statuses[-1]["processed"] == 3
    assert (statuses[-1]["created"], statuses[-1]["updated"], statuses[-1]["unchanged"]) == (
        1,
        1,
        0 + 1,
    )
    assert "3 von 3 Datensätzen verarbeitet" in statuses[-1]["progress_text"]

    page = CasePage.objects.get(slug=changed["slug"])
    assert page.summary == "Eine neue Kurzfassung aus dem Import."
    assert revisions_of(page) == changed_revisions + 1
    assert revisions_of(same_page) == revisions_before  # unchanged: no revision
    created = CasePage.objects.get(slug="ganz-neuer-fall")
    assert created.live and revisions_of(created) == 1

    # Who imported what: a log entry on each written page, shown in its history and in
    # the site history report.
    entry = PageLogEntry.objects.get(page=page, action="praxisatlas.import", user__username="admin")
    assert entry.user.username == "admin"
    assert entry.data["file"] == "faelle.json"
    assert entry.data["fields"] == ["summary", "tags"]
    assert entry.data["import"] == job.pk
    assert not PageLogEntry.objects.filter(
        page=same_page, action="praxisatlas.import", user__username="admin"
    ).exists()
    history = admin_client.get(f"/admin/pages/{page.pk}/history/").content.decode()
    assert "Mit dem Import aus „faelle.json“ geändert (summary, tags)" in history
    report = admin_client.get("/admin/reports/site-history/?action=praxisatlas.import")
    assert "Mit dem Import aus „faelle.json“ angelegt" in report.content.decode()

    # The import record: user, time, file, counts.
    listing = admin_client.get(INDEX).content.decode()
    assert "faelle.json" in listing and "abgeschlossen" in listing
    job.refresh_from_db()
    assert job.user.username == "admin" and job.finished_at is not None

    # The same file again: everything unchanged, no new revisions.
    revisions = snapshot()["revisions"]
    post_file(admin_client, json_upload([new, changed, unchanged]))
    again = ImportJob.objects.order_by("-pk").first()
    assert {row["action"] for row in again.preview} == {"unchanged"}
    run_to_end(admin_client, again)
    assert snapshot()["revisions"] == revisions


@pytest.mark.django_db
def test_xlsx_upload(admin_client, demo_site):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["title", "slug", "summary", "town", "state", "population", "themes"])
    sheet.append(["Aus Excel", "aus-excel", "Kurz.", "Telgte", "NW", 20000, "Wohnen;Mobilität"])
    sheet.append(["Zweiter", "zweiter-aus-excel", "Kurz.", "Telgte", "NW", 20000.0, None])
    sheet.append([None, "kaputt", "Kurz.", "Telgte", "NW", None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    file = upload("liste.xlsx", buffer.getvalue(), "application/vnd.ms-excel")

    content = post_file(admin_client, file).content.decode()
    job = ImportJob.objects.get()
    assert job.file_format == "xlsx"
    assert [(e["number"] + 1, e["field"]) for e in job.errors] == [(4, "title")]
    assert "Zeile" in content

    workbook.active.delete_rows(4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    post_file(admin_client, upload("liste.xlsx", buffer.getvalue()))
    job = ImportJob.objects.order_by("-pk").first()
    assert job.status == "checked"
    assert run_to_end(admin_client, job)[-1]["status"] == "done"
    page = CasePage.objects.get(slug="aus-excel")
    assert sorted(theme.name for theme in page.themes.all()) == ["Mobilität", "Wohnen"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("faelle.txt", b"title\nA\n", "ist keine CSV-, Excel- (.xlsx) oder JSON-Datei"),
        ("faelle.xlsx", b"title,slug\n", "ist keine Excel-Arbeitsmappe"),
        ("faelle.csv", b"PK\x03\x04rest", "keine Textdatei"),
    ],
)
def test_wrong_file_types_are_refused_in_german(admin_client, demo_site, name, content, message):
    response = admin_client.post(INDEX, {"file": upload(name, content)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_too_large_file_is_refused(admin_client, demo_site, settings):
    settings.TRANSFER_MAX_UPLOAD_BYTES = 1024
    response = admin_client.post(INDEX, {"file": upload("gross.csv", "title\n" + "x" * 2000)})
    assert "erlaubt sind höchstens 1,0" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_unreadable_content_is_a_listed_error(admin_client, demo_site):
    post_file(admin_client, upload("faelle.json", '[{"title": "A",]'))
    job = ImportJob.objects.get()
    assert job.status == "invalid"
    assert "Ungültiges JSON in Zeile 1" in job.errors[0]["message"]
    post_file(admin_client, upload("latin.csv", "title\nM\xfcnster\n".encode("latin-1")))
    assert "nicht UTF-8-kodiert" in ImportJob.objects.order_by("-pk")[0].errors[0]["message"]


@pytest.mark.django_db
def test_only_users_with_the_permission_see_and_use_import(client, django_user_model, demo_site):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("redaktion", "r@example.org", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert "Import/Export" not in client.get("/admin/").content.decode()
    # Wagtail answers a refused admin view with a redirect to the dashboard and a message.
    assert client.get(INDEX)["Location"] == "/admin/"
    assert client.get(reverse("transfer:export_json"))["Location"] == "/admin/"
    response = client.post(INDEX, {"file": json_upload([{"title": "X", "summary": "Kurz."}])})
    assert response["Location"] == "/admin/"
    assert not ImportJob.objects.exists()

    user.user_permissions.add(Permission.objects.get(codename="import_cases"))
    user = django_user_model.objects.get(pk=user.pk)
    client.force_login(user)
    assert "Import/Export" in client.get("/admin/").content.decode()
    assert client.get(INDEX).status_code == 200


@pytest.mark.django_db
def test_another_users_job_cannot_be_run(admin_client, client, django_user_model, demo_site):
    from django.contrib.auth.models import Permission

    post_file(admin_client, json_upload([{"title": "Fremder Import", "summary": "Kurz."}]))
    job = ImportJob.objects.get()
    other = django_user_model.objects.create_user("andere", "a@example.org", "pw")
    other.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "import_cases"])
    )
    client.force_login(other)
    assert client.post(reverse("transfer:start", args=[job.pk]))["Location"] == "/admin/"
    assert client.post(reverse("transfer:step", args=[job.pk]))["Location"] == "/admin/"
    job.refresh_from_db()
    assert job.status == "checked"


@pytest.mark.django_db
def test_a_failing_chunk_stops_the_job_visibly_and_rerunning_is_idempotent(
    client, django_user_model, demo_site, monkeypatch
):
    """Permission taken away between two steps: the first chunk stays imported, the job says
    so, and the same file again imports only the rest."""
    from wagtail.models import GroupPagePermission

    from transfer import jobs

    from .helpers import user_with_pages

    monkeypatch.setattr(jobs, "CHUNK_SIZE", 2)
    user = user_with_pages(
        django_user_model, "partner", [demo_site.library], ("add", "change", "publish")
    )
    client.force_login(user)
    records = [
        {"title": f"Schritt {n}", "summary": "Kurz.", "town": "Telgte", "state": "NW"}
        for n in range(1, 5)
    ]
    post_file(client, json_upload(records))
    job = ImportJob.objects.get()
    assert job.status == "checked"
    client.post(reverse("transfer:start", args=[job.pk]))
    first = client.post(reverse("transfer:step", args=[job.pk]), HTTP_ACCEPT="application/json")
    assert first.json()["processed"] == 2
    GroupPagePermission.objects.filter(group__user=user).delete()
    second = client.post(reverse("transfer:step", args=[job.pk]), HTTP_ACCEPT="application/json")
    status = second.json()
    assert status["status"] == "failed"
    assert "Abgebrochen nach 2 von 4" in status["message"]
    assert "keine Berechtigung" in status["errors"][0]["message"]
    assert status["errors"][0]["number"] == 3
    assert sorted(
        CasePage.objects.filter(slug__startswith="schritt-").values_list("slug", flat=True)
    ) == [
        "schritt-1",
        "schritt-2",
    ]
    page = client.get(reverse("transfer:job", args=[job.pk])).content.decode()
    assert "Abgebrochen nach 2 von 4" in page

    for codename in ("add", "change", "publish"):
        GroupPagePermission.objects.create(
            group=user.groups.get(),
            page=demo_site.library,
            permission=__import__(
                "django.contrib.auth.models", fromlist=["Permission"]
            ).Permission.objects.get(codename=f"{codename}_page"),
        )
    post_file(client, json_upload(records))
    again = ImportJob.objects.order_by("-pk").first()
    assert [row["action"] for row in again.preview] == ["unchanged", "unchanged", "new", "new"]


@pytest.mark.django_db
def test_json_status_endpoint(admin_client, demo_site):
    post_file(admin_client, json_upload([{"title": "Status", "summary": "Kurz."}]))
    job = ImportJob.objects.get()
    status = admin_client.get(reverse("transfer:status", args=[job.pk])).json()
    assert status["status"] == "checked" and status["total"] == 1
    assert json.dumps(status)
