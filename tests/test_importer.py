import csv
import json

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Revision

from casestudies.importer import CaseImporter, export_queryset, export_record
from casestudies.models import CasePage
from devtools.fake import generate_records
from tests.transfer.helpers import snapshot


def write_json(tmp_path, records, name="cases.json"):
    path = tmp_path / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def comparable(record):
    """A generated record as the exporter writes it back."""
    record = dict(record)
    transfer = record.pop("transfer", {})
    for key, value in transfer.items():
        record[f"transfer_{key}"] = value
    return record


@pytest.mark.django_db
def test_200_generated_records_round_trip(tmp_path, demo_site):
    records = generate_records(200, seed=7)
    path = write_json(tmp_path, records)

    call_command("import_cases", str(path), "--no-progress")

    exported = {page.slug: export_record(page) for page in export_queryset()}
    for record in records:
        back = exported[record["slug"]]
        for key, value in comparable(record).items():
            if key == "towns":
                for town_in, town_out in zip(value, back["towns"], strict=True):
                    # An invented "X (Altmark)" is no municipality of the directory: its
                    # bracket is kept as the note of the case's town, nothing is lost.
                    note = f" ({town_out['note']})" if town_out.get("note") else ""
                    assert town_out["name"] + note == town_in["name"]
                    assert town_out["role"] == town_in["role"]
            elif key in ("tags", "themes", "funding", "partners"):
                assert sorted(back[key]) == sorted(value), (record["slug"], key)
            elif key == "period":
                assert back["period"].replace("–", "-") == value
            elif key == "contacts":
                assert [c["function"] for c in back["contacts"]] == ["Stadtentwicklung"]
            else:
                assert back[key] == value, (record["slug"], key)

    # Importing the export again changes nothing: no new revisions.
    revisions = Revision.objects.count()
    export_path = tmp_path / "export.json"
    call_command("export_cases", str(export_path))
    result = CaseImporter().run(json.loads(export_path.read_text(encoding="utf-8")))
    assert len(result.unchanged) == CasePage.objects.count()
    assert not result.created and not result.updated
    assert Revision.objects.count() == revisions


@pytest.mark.django_db
def test_broken_record_names_record_and_field_and_changes_nothing(tmp_path, demo_site):
    records = generate_records(200, seed=3)
    records[136]["towns"][0]["state"] = "Atlantis"
    path = write_json(tmp_path, records)
    before = snapshot()

    with pytest.raises(CommandError) as error:
        call_command("import_cases", str(path), "--no-progress")

    message = str(error.value)
    assert "Datensatz 137" in message
    assert "fall-3-00137" in message
    assert "towns[0].state" in message
    assert "Atlantis" in message
    assert snapshot() == before


@pytest.mark.django_db
def test_error_during_writing_rolls_back_the_whole_file(tmp_path, demo_site):
    records = generate_records(5, seed=11)
    # Valid for the validator, rejected by the page model (the summary is too long).
    records[3]["summary"] = "x" * 399 + "ü"
    records[4]["period"] = "2020-2021"
    records[4]["title"] = "y" * 256
    before = snapshot()
    with pytest.raises(CommandError) as error:
        call_command("import_cases", str(write_json(tmp_path, records)), "--no-progress")
    assert "Datensatz 5" in str(error.value) and "title" in str(error.value)
    assert snapshot() == before


@pytest.mark.django_db
def test_dry_run_validates_and_writes_nothing(tmp_path, demo_site, capsys):
    path = write_json(tmp_path, generate_records(10, seed=5))
    before = snapshot()
    call_command("import_cases", str(path), "--dry-run")
    assert "10 neu" in capsys.readouterr().out
    assert snapshot() == before


@pytest.mark.django_db
def test_update_by_slug_creates_one_revision(tmp_path, demo_site):
    record = generate_records(1, seed=9)[0]
    call_command("import_cases", str(write_json(tmp_path, [record])), "--no-progress")
    page = CasePage.objects.get(slug=record["slug"])
    assert page.revisions.count() == 1

    record["summary"] = "Neue Kurzfassung."
    record["status"] = "verstetigt"
    call_command("import_cases", str(write_json(tmp_path, [record])), "--no-progress")
    page.refresh_from_db()
    assert page.summary == "Neue Kurzfassung."
    assert page.status == "verstetigt"
    assert page.revisions.count() == 2
    assert CasePage.objects.filter(slug=record["slug"]).count() == 1


@pytest.mark.django_db
def test_csv_with_town_shorthand(tmp_path, demo_site):
    path = tmp_path / "cases.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "title",
                "slug",
                "summary",
                "town",
                "state",
                "population",
                "themes",
                "tags",
                "period",
                "status",
                "funding",
            ]
        )
        writer.writerow(
            [
                "Mitfahrbank am Markt",
                "csv-mitfahrbank",
                "Bänke, die Fahrten stiften.",
                "Kleinstedt",
                "Thüringen",
                "7.800",
                "Mobilität; Kultur & Gemeinschaft",
                "Mitfahrbank;Ehrenamt",
                "seit 2019",
                "laufend",
                "LEADER",
            ]
        )
    call_command("import_cases", str(path), "--no-progress")
    page = CasePage.objects.get(slug="csv-mitfahrbank")
    town = page.case_towns.get().town
    assert (town.name, town.state, town.population, town.size_class) == (
        "Kleinstedt",
        "TH",
        7800,
        "kleine-kleinstadt",
    )
    assert [t.name for t in page.themes.all()] == ["Mobilität", "Kultur & Gemeinschaft"]
    assert sorted(t.name for t in page.tags.all()) == ["Ehrenamt", "Mitfahrbank"]
    assert page.period == "seit 2019"
    assert page.period_start_year == 2019 and page.period_end_year is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"title": ""}, "Feld „title“: fehlt"),
        ({"status": "irgendwie"}, "Feld „status“: „irgendwie“ ist kein bekannter Status"),
        ({"period": "2023-2019"}, "Feld „period“: Der Zeitraum „2023-2019“ endet vor"),
        ({"towns": [{"name": "X", "state": "BY", "ags": "123"}]}, "towns[0].ags"),
        ({"towns": [{"name": "X", "state": "BY", "population": "viele"}]}, "towns[0].population"),
        ({"last_checked": "15.10.2026"}, "Feld „last_checked“"),
        ({"project_website": "keine-adresse"}, "Feld „project_website“"),
        ({"colour": "blau"}, "Feld „colour“: unbekanntes Feld"),
        ({"contacts": [{"function": "Bauamt", "email": "kaputt"}]}, "contacts[0].email"),
        ({"transfer": {"budget_range": "viel"}}, "transfer.budget_range"),
    ],
)
def test_bad_field_gets_a_clear_message(tmp_path, demo_site, change, expected):
    record = generate_records(1, seed=1)[0] | change
    with pytest.raises(CommandError) as error:
        call_command("import_cases", str(write_json(tmp_path, [record])), "--no-progress")
    assert "Datensatz 1" in str(error.value)
    assert expected in str(error.value)


@pytest.mark.django_db
def test_duplicate_slug_in_file_is_rejected(tmp_path, demo_site):
    records = generate_records(2, seed=1)
    records[1]["slug"] = records[0]["slug"]
    with pytest.raises(CommandError) as error:
        call_command("import_cases", str(write_json(tmp_path, records)), "--no-progress")
    assert "Datensatz 2" in str(error.value) and "Datensatz 1" in str(error.value)


@pytest.mark.django_db
def test_unreadable_files_fail_cleanly(tmp_path, demo_site):
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    with pytest.raises(CommandError, match="Ungültiges JSON"):
        call_command("import_cases", str(broken))
    with pytest.raises(CommandError, match="kann nicht gelesen"):
        call_command("import_cases", str(tmp_path / "missing.json"))
    not_a_list = tmp_path / "object.json"
    not_a_list.write_text('{"title": "x"}', encoding="utf-8")
    with pytest.raises(CommandError, match="Liste"):
        call_command("import_cases", str(not_a_list))


@pytest.mark.django_db
def test_towns_and_contacts_keep_the_file_order(tmp_path, demo_site):
    from casestudies.models import CaseContact, CaseTown

    record = generate_records(1, seed=12)[0]
    record["towns"] = [
        {"name": "Zweitort", "state": "HE", "role": "partner"},
        {"name": "Erstort", "state": "BY", "role": "lead"},
    ]
    record["contacts"] = [{"function": "B-Amt"}, {"function": "A-Amt"}]
    call_command("import_cases", str(write_json(tmp_path, [record])), "--no-progress")
    page = CasePage.objects.get(slug=record["slug"])
    assert list(CaseTown.objects.filter(page=page).values_list("sort_order", flat=True)) == [0, 1]
    assert [link.town.name for link in page.case_towns.all()] == ["Zweitort", "Erstort"]
    assert [link.contact.function for link in CaseContact.objects.filter(page=page)] == [
        "B-Amt",
        "A-Amt",
    ]
