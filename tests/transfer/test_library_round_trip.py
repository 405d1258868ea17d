"""Must show: the demo library exported, all case content wiped (pages and reference data),
imported again: same pages, facts, tags, tree, and one revision per page. As JSON and as the
ZIP of CSV files."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from wagtail.models import Page

from casestudies.models import (
    CaseLibraryPage,
    CasePage,
    Contact,
    FundingProgramme,
    Organisation,
    Theme,
    Town,
)
from transfer.library import export_library

from .helpers import make_section, revisions_of

DEMO_CASES = Path(settings.BASE_DIR) / "casestudies" / "demo_data" / "cases.json"


def demo_library_only(library):
    """The test database also holds generated search distractors; keep the demo cases."""
    slugs = {record["slug"] for record in json.loads(DEMO_CASES.read_text(encoding="utf-8"))}
    CasePage.objects.descendant_of(library).exclude(slug__in=slugs).delete()
    assert CasePage.objects.count() == len(slugs)


def tree():
    """Every page of the library: depth, parent slug, slug, title, in tree order."""
    library = CaseLibraryPage.objects.order_by("path").first()
    parents = {page.path: page.slug for page in Page.objects.descendant_of(library, inclusive=True)}
    return [
        (page.depth - library.depth, parents[page.path[: -Page.steplen]], page.slug, page.title)
        for page in Page.objects.descendant_of(library).order_by("path")
    ], library.url


def wipe():
    CaseLibraryPage.objects.order_by("path").first().delete()
    for model in (Contact, FundingProgramme, Organisation, Theme, Town):
        model.objects.all().delete()
    assert not CasePage.objects.exists() and not Town.objects.exists()


def without_time(data):
    return {key: value for key, value in data.items() if key != "exported_at"}


@pytest.fixture
def demo_library(demo_site):
    demo_library_only(demo_site.library)
    # A section with a case in it, so the tree has more than one level.
    make_section(demo_site.library, "partner-a", "Partner A")
    call_command("import_cases", str(_write_one()), "--no-progress", verbosity=0)
    return demo_site.library


def _write_one():
    import tempfile

    path = Path(tempfile.mkdtemp()) / "one.json"
    record = {
        "title": "Fall im Bereich",
        "summary": "Ein Fall unterhalb eines Bereichs.",
        "section": "partner-a",
        "town": "Telgte",
        "state": "NW",
        "tags": ["Bereich"],
        # Text written at the top level of the story (no section), as the editor may.
        "story": [
            {"type": "paragraph", "value": "<p>Ein Text ohne Abschnitt drumherum.</p>"},
            {
                "type": "section",
                "value": {
                    "kind": "results",
                    "heading": "",
                    "content": [{"type": "paragraph", "value": "<p>Ergebnis.</p>"}],
                },
            },
        ],
    }
    path.write_text(json.dumps([record]), encoding="utf-8")
    return path


@pytest.mark.django_db
@pytest.mark.parametrize("ending", ["json", "zip"])
def test_export_wipe_import_gives_the_same_library(tmp_path, demo_library, ending):
    before = export_library()
    tree_before = tree()
    path = tmp_path / f"bibliothek.{ending}"
    call_command("export_library", str(path), verbosity=0)
    if ending == "json":
        assert without_time(json.loads(path.read_text(encoding="utf-8"))) == without_time(before)
    # The export has what a move needs.
    assert len(before["cases"]) == 26
    assert {case["slug"] for case in before["cases"] if case.get("section")} == {"fall-im-bereich"}
    in_section = next(c for c in before["cases"] if c["slug"] == "fall-im-bereich")
    assert [block["type"] for block in in_section["story"]] == ["paragraph", "section"]
    case = next(
        c for c in before["cases"] if c["slug"] == "istag-muensterland-wohnungsbaugesellschaft"
    )
    assert case["story"] and case["towns"] and case["tags"] and case["contacts"]
    assert case["transfer_pitfalls"]

    # Live cases stay live, drafts (the demo's case without a town) stay drafts.
    live_before = dict(CasePage.objects.values_list("slug", "live"))
    assert True in live_before.values() and False in live_before.values()

    wipe()
    call_command("import_library", str(path), "--no-progress", verbosity=0)

    after = export_library()
    assert without_time(after) == without_time(before)  # every field of every record
    assert tree() == tree_before
    for page in CasePage.objects.all():
        assert revisions_of(page) == 1, page.slug
    assert dict(CasePage.objects.values_list("slug", "live")) == live_before
    # Tags are really tags again (not just in the export): the tag filter sees them.
    assert CasePage.objects.filter(tags__name="Bereich").count() == 1

    # Importing the same export again changes nothing and adds no revision.
    call_command("import_library", str(path), "--no-progress", verbosity=0)
    assert without_time(export_library()) == without_time(before)
    assert all(revisions_of(page) == 1 for page in CasePage.objects.all())


@pytest.mark.django_db
def test_a_bad_case_in_a_library_file_changes_nothing(tmp_path, demo_library):
    from django.core.management import CommandError

    data = export_library()
    data["cases"][3]["status"] = "irgendwie"
    path = tmp_path / "kaputt.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    wipe()
    with pytest.raises(CommandError, match="Datensatz 4 .*Feld „status“"):
        call_command("import_library", str(path), "--no-progress")
    assert not CaseLibraryPage.objects.exists() and not Town.objects.exists()


@pytest.mark.django_db
def test_admin_download_of_the_library(admin_client, demo_library):
    response = admin_client.get("/admin/import-export/export/fallbibliothek.json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert without_time(data) == without_time(export_library())
    response = admin_client.get("/admin/import-export/export/fallbibliothek.zip")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    import io
    import zipfile

    names = set(zipfile.ZipFile(io.BytesIO(response.content)).namelist())
    assert names == {
        "library.csv",
        "sections.csv",
        "themes.csv",
        "organisations.csv",
        "funding_programmes.csv",
        "towns.csv",
        "contacts.csv",
        "cases.csv",
    }
