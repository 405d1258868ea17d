"""Importing as a user: every row is checked against Wagtail's page permissions (command
line with --user and the admin upload), ``section`` picks the parent page by slug."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from casestudies.importer import CaseImporter, export_records
from casestudies.models import CasePage
from transfer.models import ImportJob

from .helpers import json_upload, make_section, revisions_of, snapshot, user_with_pages


def write(tmp_path, records, name="faelle.json"):
    path = tmp_path / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return str(path)


def record(title, **extra):
    # Complete (town, theme, summary, period, status): publishable by those who may publish.
    return {
        "title": title,
        "summary": "Kurz.",
        "town": "Telgte",
        "state": "NW",
        "themes": ["Wohnen"],
        "period": "2024",
        "status": "laufend",
        **extra,
    }


@pytest.fixture
def sections(demo_site):
    return (
        make_section(demo_site.library, "partner-a", "Partner A"),
        make_section(demo_site.library, "partner-b", "Partner B"),
    )


@pytest.mark.django_db
def test_partner_may_only_write_in_its_own_section(
    tmp_path, demo_site, sections, django_user_model
):
    section_a, _section_b = sections
    partner = user_with_pages(django_user_model, "partner-a", [section_a])
    existing = demo_site.case("istag-muensterland-wohnungsbaugesellschaft")
    before = snapshot()
    path = write(
        tmp_path,
        [
            record("Fall von A", section="partner-a"),
            record("Fall in B", section="partner-b"),
            record("Fall in der Bibliothek"),
            {"title": existing.title, "slug": existing.slug, "summary": "Überschrieben?"},
            record("Kein Bereich", section="gibt-es-nicht"),
        ],
    )
    with pytest.raises(CommandError) as failure:
        call_command("import_cases", path, "--user", "partner-a", "--no-progress")
    message = str(failure.value)
    assert "Datensatz 2 („fall-in-b“): Feld „section“: keine Berechtigung, unter „Partner B“" in (
        message
    )
    library = demo_site.library.title
    assert f"Datensatz 3 („fall-in-der-bibliothek“): keine Berechtigung, unter „{library}“" in (
        message
    )
    assert f"Datensatz 4 („{existing.slug}“): keine Berechtigung, den Fall" in message
    assert (
        "Datensatz 5 („kein-bereich“): Feld „section“: Die Fallbibliothek hat keinen Bereich"
        in (message)
    )
    assert "Datensatz 1" not in message
    assert snapshot() == before

    # Only the permitted row: created in section A, as a draft (no publish permission),
    # submitted to the moderation workflow.
    call_command(
        "import_cases",
        write(tmp_path, [record("Fall von A", section="partner-a")]),
        "--user",
        "partner-a",
        "--no-progress",
    )
    page = CasePage.objects.get(slug="fall-von-a")
    assert page.get_parent().pk == section_a.pk
    assert not page.live
    assert revisions_of(page) == 1
    assert page.owner == partner
    assert page.get_workflow() is not None
    assert page.workflow_in_progress

    # The same file again: compared with the draft, unchanged; a change is a new draft.
    call_command(
        "import_cases",
        write(tmp_path, [record("Fall von A", section="partner-a")]),
        "--user",
        "partner-a",
        "--no-progress",
    )
    assert revisions_of(page) == 1
    call_command(
        "import_cases",
        write(tmp_path, [record("Fall von A", section="partner-a", summary="Länger.")]),
        "--user",
        "partner-a",
        "--no-progress",
    )
    page.refresh_from_db()
    assert revisions_of(page) == 2 and not page.live
    assert page.get_latest_revision_as_object().summary == "Länger."

    # The export names the section of pages outside the library's top level.
    exported = {r["slug"]: r for r in export_records(demo_site.library)}
    assert exported["fall-von-a"]["section"] == "partner-a"
    assert "section" not in exported[existing.slug]


@pytest.mark.django_db
def test_user_with_publish_permission_publishes(tmp_path, demo_site, sections, django_user_model):
    section_a, _section_b = sections
    user_with_pages(
        django_user_model, "moderation", [demo_site.library], ("add", "change", "publish")
    )
    call_command(
        "import_cases",
        write(tmp_path, [record("Direkt live", section="partner-a"), record("Oben")]),
        "--user",
        "moderation",
        "--no-progress",
    )
    page = CasePage.objects.get(slug="direkt-live")
    assert page.live and page.get_parent().pk == section_a.pk
    assert CasePage.objects.get(slug="oben").get_parent().pk == demo_site.library.pk


@pytest.mark.django_db
def test_user_without_page_permissions_gets_an_error_per_row(
    tmp_path, demo_site, django_user_model
):
    user_with_pages(django_user_model, "niemand", [])
    existing = demo_site.case("istag-muensterland-wohnungsbaugesellschaft")
    with pytest.raises(CommandError) as failure:
        call_command(
            "import_cases",
            write(tmp_path, [record("Neu"), {"title": existing.title, "slug": existing.slug}]),
            "--user",
            "niemand",
            "--no-progress",
        )
    assert str(failure.value).count("keine Berechtigung") == 2


@pytest.mark.django_db
def test_unknown_user_is_refused(tmp_path, demo_site):
    with pytest.raises(CommandError, match="Kein aktiver Benutzer „gibtsnicht“"):
        call_command("import_cases", write(tmp_path, [record("X")]), "--user", "gibtsnicht")


@pytest.mark.django_db
def test_admin_upload_checks_page_permissions_in_the_dry_run(
    client, demo_site, sections, django_user_model
):
    section_a, _section_b = sections
    partner = user_with_pages(django_user_model, "partner-a", [section_a])
    client.force_login(partner)
    before = snapshot()
    response = client.post(
        "/admin/import-export/",
        {
            "file": json_upload(
                [record("Fall von A", section="partner-a"), record("Fremd", section="partner-b")]
            )
        },
        follow=True,
    )
    job = ImportJob.objects.get()
    assert job.status == "invalid"
    assert [(e["number"], e["field"]) for e in job.errors] == [(2, "section")]
    assert "keine Berechtigung, unter „Partner B“ Fälle anzulegen" in response.content.decode()
    assert snapshot() == before

    client.post(
        "/admin/import-export/", {"file": json_upload([record("Fall von A", section="partner-a")])}
    )
    job = ImportJob.objects.order_by("-pk").first()
    assert job.preview[0]["publish"] is False
    assert (
        "nein, als Entwurf" in client.get(reverse("transfer:job", args=[job.pk])).content.decode()
    )
    client.post(reverse("transfer:start", args=[job.pk]))
    status = client.post(
        reverse("transfer:step", args=[job.pk]), HTTP_ACCEPT="application/json"
    ).json()
    assert status["status"] == "done" and status["drafts"] == 1
    page = CasePage.objects.get(slug="fall-von-a")
    assert not page.live and page.get_parent().pk == section_a.pk


@pytest.mark.django_db
def test_section_moves_a_page_and_empty_section_means_the_library(demo_site, sections):
    section_a, _section_b = sections
    existing = demo_site.case("istag-muensterland-wohnungsbaugesellschaft")
    importer = CaseImporter()
    result = importer.run(
        [{"title": existing.title, "slug": existing.slug, "section": "partner-a"}]
    )
    assert result.updated == [existing.slug]
    assert CasePage.objects.get(pk=existing.pk).get_parent().pk == section_a.pk
    CaseImporter().run([{"title": existing.title, "slug": existing.slug, "section": ""}])
    assert CasePage.objects.get(pk=existing.pk).get_parent().pk == demo_site.library.pk
