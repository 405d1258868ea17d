"""The admin import in a browser: upload, dry-run table, confirm, progress, done."""

import csv
import io
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from casestudies.models import CasePage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots for a look by eye: SCREENSHOT_DIR=/some/dir pytest tests/browser/...
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")
ROWS = 25  # two steps of 20


def shoot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


def make_csv(path):
    text = io.StringIO()
    writer = csv.writer(text)
    header = ["title", "slug", "summary", "town", "state", "population", "themes", "tags"]
    writer.writerow([*header, "period", "status"])
    for n in range(1, ROWS + 1):
        writer.writerow(
            [
                f"Browserfall {n}",
                f"browserfall-{n}",
                f"Fall {n} aus dem Browser-Import.",
                "Telgte",
                "Nordrhein-Westfalen",
                "20000",
                "Wohnen",
                "Test;Import",
                "2025",
                "laufend",
            ]
        )
    writer.writerow(["Kaputt", "kaputt", "Kurz.", "Telgte", "Atlantis", "", "", "", "", ""])
    path.write_text(text.getvalue(), encoding="utf-8")


def login(page, live_server, django_user_model):
    django_user_model.objects.create_superuser("redakteurin", "r@example.org", "geheim-123")
    page.goto(live_server.url + "/admin/login/")
    page.locator("input[name=username]").fill("redakteurin")
    page.locator("input[name=password]").fill("geheim-123")
    page.locator("form button[type=submit]").click()
    expect(page.get_by_role("link", name="Import/Export")).to_be_visible()


def test_upload_dry_run_confirm_progress_done(
    page, live_server, demo_site, django_user_model, tmp_path
):
    login(page, live_server, django_user_model)
    page.get_by_role("link", name="Import/Export").click()
    expect(page.get_by_role("heading", name="Praxisfälle importieren")).to_be_visible()

    # A file with one bad row: nothing happens, the row is named.
    broken = tmp_path / "faelle.csv"
    make_csv(broken)
    page.get_by_label("Datei").set_input_files(str(broken))
    page.get_by_role("button", name="Datei prüfen").click()
    errors = page.locator("table.transfer-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text(str(ROWS + 2))  # header is line 1
    expect(errors.first).to_contain_text("town.state")
    expect(errors.first).to_contain_text("unbekanntes Bundesland „Atlantis“")
    expect(page.get_by_role("button", name="Import ausführen")).to_have_count(0)
    shoot(page, "import-errors.png")
    assert not CasePage.objects.filter(slug__startswith="browserfall-").exists()

    # Fixed file: dry-run table, then confirm.
    lines = broken.read_text(encoding="utf-8").splitlines()[:-1]
    fixed = tmp_path / "faelle-korrigiert.csv"
    fixed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.goto(live_server.url + "/admin/import-export/")
    page.get_by_label("Datei").set_input_files(str(fixed))
    page.get_by_role("button", name="Datei prüfen").click()
    expect(page.get_by_role("heading", name="Probelauf bestanden")).to_be_visible()
    preview = page.locator("table.transfer-preview tbody tr")
    expect(preview).to_have_count(ROWS)
    expect(preview.first).to_contain_text("neu")
    shoot(page, "import-dry-run.png")
    assert not CasePage.objects.filter(slug__startswith="browserfall-").exists()

    page.get_by_role("button", name="Import ausführen").click()
    bar = page.locator("progress[data-import-bar]")
    # The bar moves while the import runs (20 records per step) ...
    page.wait_for_function(
        "() => { const b = document.querySelector('progress[data-import-bar]');"
        " return b && b.value > 0 && b.value < b.max; }",
        timeout=120_000,
    )
    shoot(page, "import-progress.png")
    # ... and is full at the end.
    expect(page.get_by_text("Import abgeschlossen.")).to_be_visible(timeout=300_000)
    expect(bar).to_have_attribute("value", str(ROWS))
    expect(page.locator("[data-import-text]")).to_contain_text(
        f"{ROWS} von {ROWS} Datensätzen verarbeitet. Neu: {ROWS}"
    )
    shoot(page, "import-done.png")
    assert CasePage.objects.filter(slug__startswith="browserfall-", live=True).count() == ROWS

    # The import record in the list.
    page.get_by_role("link", name="Zurück zu Import/Export").click()
    row = page.locator("tr", has_text="faelle-korrigiert.csv")
    expect(row).to_contain_text("abgeschlossen")
    expect(row).to_contain_text("redakteurin")
