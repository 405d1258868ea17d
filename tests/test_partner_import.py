"""Real partner data: 42 records written the way partners send them (tests/fixtures/
partner_cases.json) go into a fresh site made by ``setup_site``; periods, status words,
reference names and funding descriptions are read as the README documents."""

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from wagtail.models import Page, Site, Workflow

from casestudies.importer import CaseImporter, ImportFailed
from casestudies.models import (
    CaseLibraryPage,
    CasePage,
    Contact,
    FundingProgramme,
    Organisation,
    Theme,
    Town,
)
from editorial.checks import due_cases
from editorial.reports import incomplete_cases
from editorial.setup import EDITORS, MODERATORS
from home.models import LegalPage
from knowledge.models import GlossaryPage, KnowledgeIndexPage
from tests.editorial_helpers import user_in
from tests.transfer.helpers import snapshot

FIXTURE = Path(__file__).parent / "fixtures" / "partner_cases.json"
RECORDS = json.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]

# Title -> (period as stored, start year, start month, end year, end month, open).
EXPECTED_PERIODS = {
    "Mitfahrbänke verbinden die Ortsteile von Tangerhütte": (
        "bis 2022",
        None,
        None,
        2022,
        None,
        False,
    ),
    "Kino in Bürgerhand: der Verein rettet das Lichtspielhaus": (
        "seit 2016",
        2016,
        None,
        None,
        None,
        True,
    ),
    "Dorfladen als Genossenschaft sichert die Nahversorgung": (
        "seit 2010",
        2010,
        None,
        None,
        None,
        True,
    ),
    "Neues Bürgerhaus im alten Bahnhof": ("2019–2022", 2019, None, 2022, None, False),
    "Jugendparlament mit eigenem Budget": ("2019–2020", 2019, None, 2020, None, False),
    "Leerstandskataster und Zwischennutzung in der Altstadt": ("", None, None, None, None, False),
    "Bürgerbus fährt die Dörfer an": ("", None, None, None, None, False),
    "Nahwärmenetz für die Altstadt": ("05/2021–06/2023", 2021, 5, 2023, 6, False),
    "Gemeindeschwester besucht ältere Menschen zu Hause": (
        "03/2018–12/2019",
        2018,
        3,
        2019,
        12,
        False,
    ),
    "Online-Terminvergabe und digitale Anträge im Rathaus": (
        "seit 2022",
        2022,
        None,
        None,
        None,
        True,
    ),
    "Markthalle im leerstehenden Kaufhaus": ("seit 2017", 2017, None, None, None, True),
    "Repair-Café in der Stadtteilschule": ("seit 1990", 1990, None, None, None, True),
    "Kleinstadtexperten beraten die StadtWerkStatt": ("2018–2020", 2018, None, 2020, None, False),
    "Landarztstipendium gegen den Ärztemangel": ("2015–2017", 2015, None, 2017, None, False),
    "Interkommunaler Bauhof von drei Gemeinden": ("2019–2020", 2019, None, 2020, None, False),
    "Sommerkino auf dem Marktplatz": ("2020–2023", 2020, None, 2023, None, False),
    "Jung kauft Alt: Zuschuss für alte Häuser": ("", None, None, None, None, False),
    "Rufbus im Stundentakt": ("2023", 2023, None, 2023, None, False),
    "Leerstandslotse für die Moselorte": ("seit 01/2020", 2020, 1, None, None, True),
    "Hitzeaktionsplan für eine kleine Stadt": ("seit 2018", 2018, None, None, None, True),
    "Schwarzwald-Coworking im Rathaus": ("", None, None, None, None, False),
    "Wohnprojekt für Ältere im ehemaligen Amtsgericht": (
        "2022–2024",
        2022,
        None,
        2024,
        None,
        False,
    ),
    "Glasfaser für die Dörfer durch einen Zweckverband": (
        "2019–2021",
        2019,
        None,
        2021,
        None,
        False,
    ),
    "Tourismus: Wanderwege neu beschildert": ("bis 2024", None, None, 2024, None, False),
    "E-Carsharing mit Dienstwagen der Verwaltung": ("seit 05/2019", 2019, 5, None, None, True),
    "Schulcampus als Ort für alle": ("2014–2016", 2014, None, 2016, None, False),
}
# Title -> status as stored, for the words partners use.
EXPECTED_STATUS = {
    "Mitfahrbänke verbinden die Ortsteile von Tangerhütte": "beendet",  # abgeschlossen
    "Kino in Bürgerhand: der Verein rettet das Lichtspielhaus": "verstetigt",  # dauerhaft
    "Neues Bürgerhaus im alten Bahnhof": "beendet",  # fertig
    "Jugendparlament mit eigenem Budget": "laufend",  # Pilotphase
    "Bürgerbus fährt die Dörfer an": "geplant",
    "Energiegenossenschaft baut Solarpark auf der alten Deponie": "laufend",  # in Umsetzung
    "Gemeindeschwester besucht ältere Menschen zu Hause": "laufend",  # Modellprojekt
    "Hitzeaktionsplan für eine kleine Stadt": "verstetigt",  # im Regelbetrieb
    "Bürgerhaushalt mit Abstimmung im Netz": "laufend",  # Laufend
    "Wohnprojekt für Ältere im ehemaligen Amtsgericht": "beendet",  # fertiggestellt
}


def empty_site():
    """What a new production database has: Wagtail's root page and nothing else."""
    Site.objects.all().delete()
    Page.objects.filter(depth__gt=1).delete()
    for model in (Contact, Town, Theme, FundingProgramme, Organisation, Group, Workflow):
        model.objects.all().delete()


@pytest.fixture
def fresh_site(db):
    empty_site()
    call_command("setup_site", verbosity=0)


def import_fixture(*args):
    call_command("import_cases", str(FIXTURE), "--no-progress", *args)


def by_title():
    return {page.title: page for page in CasePage.objects.all()}


@pytest.mark.django_db
def test_import_on_an_empty_database_needs_setup_site(tmp_path, capsys):
    empty_site()
    with pytest.raises(CommandError, match="keine Fallbibliothek"):
        import_fixture()
    call_command("setup_site", verbosity=0)
    call_command("setup_site", verbosity=0)  # idempotent: nothing doubled

    assert CaseLibraryPage.objects.count() == 1
    assert KnowledgeIndexPage.objects.count() == 1 and GlossaryPage.objects.count() == 1
    assert (
        Site.objects.get(is_default_site=True).root_page.specific.title == "Praxisatlas Kleinstadt"
    )
    assert Theme.objects.count() == 10
    assert set(Group.objects.values_list("name", flat=True)) >= {EDITORS, MODERATORS}
    assert Workflow.objects.filter(name="Redaktionelle Prüfung", active=True).exists()
    assert not CasePage.objects.exists()  # no demo content
    # The legally required pages, once each, published.
    assert sorted(LegalPage.objects.live().values_list("kind", flat=True)) == [
        "barrierefreiheit",
        "datenschutz",
        "impressum",
    ]

    import_fixture()
    assert CasePage.objects.live().count() == len(RECORDS) == 42


@pytest.mark.django_db
def test_all_partner_records_go_in_with_periods_and_status_as_documented(fresh_site):
    import_fixture()
    pages = by_title()
    assert len(pages) == len(RECORDS)
    assert all(page.live for page in pages.values())
    for title, expected in EXPECTED_PERIODS.items():
        page = pages[title]
        got = (
            page.period,
            page.period_start_year,
            page.period_start_month,
            page.period_end_year,
            page.period_end_month,
            page.period_open,
        )
        assert got == expected, title
    for title, status in EXPECTED_STATUS.items():
        assert pages[title].status == status, title
    # The partner's wording is kept next to the structure, also where no year was readable.
    assert pages["Neues Bürgerhaus im alten Bahnhof"].period_note == "Planung ab 2019/20, Bau 2022"
    assert pages["Bürgerbus fährt die Dörfer an"].period_note == "noch offen"
    assert pages["Nahwärmenetz für die Altstadt"].period_note == ""  # already structured


@pytest.mark.django_db
def test_reference_data_is_matched_before_anything_is_created(fresh_site):
    themes_before = set(Theme.objects.values_list("name", flat=True))
    import_fixture()
    pages = by_title()

    # Only two new themes ("Tourimus" is "Tourismus"); synonyms and spellings found theirs.
    assert set(Theme.objects.values_list("name", flat=True)) - themes_before == {
        "Tourismus",
        "Bildung",
    }
    garden = pages["Stadtgarten auf der Brache"]
    assert {t.name for t in garden.themes.all()} == {"Kultur & Gemeinschaft", "Tourismus"}
    assert {t.name for t in pages["Bürgerbus fährt die Dörfer an"].themes.all()} == {"Mobilität"}
    assert {t.name for t in pages["E-Carsharing mit Dienstwagen der Verwaltung"].themes.all()} == {
        "Mobilität"
    }
    assert {t.name for t in pages["Neues Bürgerhaus im alten Bahnhof"].themes.all()} == {
        "Kultur & Gemeinschaft",
        "Einzelhandel & Innenstadt",
    }
    # "Hansestadt Gardelegen" is Gardelegen; "Grimma (mit allen Ortsteilen)" is Grimma.
    assert Town.objects.filter(name__contains="Gardelegen").count() == 1
    assert Town.objects.filter(name__startswith="Grimma").get().name == "Grimma"
    assert Town.objects.filter(name="Tangerhütte").count() == 1
    # "LEADER" and "Leader" are one programme; "e.V." and "e. V." one organisation.
    assert FundingProgramme.objects.filter(name__iexact="leader").count() == 1
    assert Organisation.objects.filter(name__startswith="Kinoverein Gardelegen").count() == 1


@pytest.mark.django_db
def test_funding_descriptions_go_to_the_funding_note(fresh_site):
    import_fixture()
    pages = by_title()
    kino = pages["Kino in Bürgerhand: der Verein rettet das Lichtspielhaus"]
    assert [p.name for p in kino.funding_programmes.all()] == ["LEADER"]
    assert kino.funding_note == "Anteile der Vereinsmitglieder (422 Anteile zu je 250 Euro)"
    names = set(FundingProgramme.objects.values_list("name", flat=True))
    assert not any("Euro" in name or name.startswith(("Eigen", "Spenden")) for name in names)
    assert "Kommunalrichtlinie" in names and "Dorferneuerung" in names


@pytest.mark.django_db
def test_dry_run_lists_warnings_and_new_entries_and_writes_nothing(fresh_site, capsys):
    before = snapshot()
    import_fixture("--dry-run")
    out, err = capsys.readouterr()
    assert snapshot() == before
    assert "Prüfung bestanden: 42 neu" in out
    # Every entry that would be created, by kind.
    assert "Würde neu anlegen:" in out
    themes_line = next(line for line in out.splitlines() if line.strip().startswith("Themen"))
    assert "Tourismus" in themes_line and "Bildung" in themes_line
    assert "Tourimus" not in themes_line
    towns_line = next(line for line in out.splitlines() if line.strip().startswith("Orte"))
    assert towns_line.count("Gardelegen") == 1 and towns_line.count("Grimma") == 1
    funding_line = next(x for x in out.splitlines() if x.strip().startswith("Förderprogramme"))
    assert "Anteile" not in funding_line and "LEADER" in funding_line
    # Warnings: no year, a source date, a town note, a theme read as another, funding moved.
    assert "„noch offen“ enthält keine Jahreszahl" in err
    assert "„Stand: Bericht 2016“ nennt nur den Stand der Angabe" in err
    assert "„Grimma (mit allen Ortsteilen)“ als „Grimma“ gelesen" in err
    assert "Thema „Verkehr“ als „Mobilität“ übernommen" in err
    assert "(422 Anteile zu je 250 Euro)“ ist kein Förderprogramm" in err
    assert "Datensatz 7 („buergerbus-faehrt-die-doerfer-an“)" in err


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("number", "change", "expected"),
    [
        (5, {"status": "irgendwie"}, "„irgendwie“ ist kein bekannter Status"),
        (9, {"period": "2023 bis 2019"}, "endet vor seinem Beginn"),
    ],
)
def test_broken_record_stops_the_whole_file(tmp_path, fresh_site, number, change, expected):
    records = [dict(record) for record in RECORDS]
    records[number - 1].update(change)
    path = tmp_path / "faelle.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError) as error:
        call_command("import_cases", str(path), "--no-progress")
    assert f"Datensatz {number} " in str(error.value) and expected in str(error.value)
    assert snapshot() == before


@pytest.mark.django_db
def test_an_editor_may_not_grow_the_taxonomy_a_moderator_may(fresh_site):
    editor, moderator = user_in(EDITORS, "ed"), user_in(MODERATORS, "mod")
    with pytest.raises(ImportFailed) as failure:
        CaseImporter(user=editor).run(RECORDS, dry_run=True)
    messages = [row.message for row in failure.value.rows]
    assert any(
        "Thema „Tourismus“ gibt es nicht" in m and "am nächsten liegt" in m for m in messages
    )
    assert {row.number for row in failure.value.rows} == {30, 31, 36, 42}  # Tourismus, Bildung
    assert not Theme.objects.filter(name="Tourismus").exists()

    result = CaseImporter(user=moderator).run(RECORDS, dry_run=True)
    assert set(result.new_entries["themes"]) == {"Tourismus", "Bildung"}


@pytest.mark.django_db
def test_running_cases_past_their_end_are_flagged(fresh_site):
    import_fixture()
    admin = user_in("Administration", "admin-user")
    rows = {case.title: gaps for case, gaps in incomplete_cases(admin)}
    stale = "Landarztstipendium gegen den Ärztemangel"  # "laufend", period 2015-17
    assert rows[stale].past_end and not rows[stale].missing
    # Still running and open-ended ("seit 2018"): not flagged; "Pilotphase bis 2023": flagged.
    assert not rows["Bürgerhaushalt mit Abstimmung im Netz"].past_end
    assert rows["Sommerkino auf dem Marktplatz"].past_end
    assert stale in {page.title for page in due_cases()}
    # Every case is counted on the six transfer facts: one without any shows 0 of 6.
    summer = rows["Sommerkino auf dem Marktplatz"]
    assert summer.transfer_filled == 0 and len(summer.transfer_missing) == 6
    kino = "Kino in Bürgerhand: der Verein rettet das Lichtspielhaus"
    assert kino not in rows  # all six facts and core facts present


@pytest.mark.django_db
def test_import_twice_changes_nothing(fresh_site, capsys):
    import_fixture()
    before = snapshot()
    import_fixture()
    assert snapshot() == before
    assert "0 angelegt, 0 aktualisiert, 42 unverändert" in capsys.readouterr().out


@pytest.mark.django_db
def test_library_and_search_sort_by_the_structured_start(
    fresh_site, django_capture_on_commit_callbacks
):
    from casestudies.filters import CaseFilter
    from search.engine import SearchRequest, search

    with django_capture_on_commit_callbacks(execute=True):  # search entries: after the commit
        import_fixture()
    years = {page.pk: page.period_start_year for page in CasePage.objects.all()}
    starts = [years[pk] for pk in CaseFilter({"sortierung": "-beginn"}).all_page_ids()]
    assert len(starts) == 42
    known = [year for year in starts if year is not None]
    assert known == sorted(known, reverse=True) and known[0] == 2023
    assert starts[len(known) :] == [None] * (len(starts) - len(known))  # no start: last

    response = search(SearchRequest(sort="beginn", filters={"art": ["case"]}, page_size=50))
    found = [years[hit.page.id] for hit in response.results]
    assert len(found) == 42
    assert [y for y in found if y is not None] == sorted(known, reverse=True)
    assert found[-1] is None

    # The facet "Beginn" filters by the structured start: "seit 2016/17" is in 2015-2019.
    response = search(
        SearchRequest(filters={"zeitraum": ["2015-2019"], "art": ["case"]}, page_size=50)
    )
    found = {hit.page.id for hit in response.results}
    expected = set(
        CasePage.objects.filter(period_start_year__range=(2015, 2019)).values_list("pk", flat=True)
    )
    kino = CasePage.objects.get(title__startswith="Kino in Bürgerhand")
    assert kino.pk in found and found == expected and len(found) >= 10


BRACKET_TOWNS = [
    # (name as the partner writes it, state, town stored, note on the case)
    ("Osterburg (Altmark)", "ST", "Osterburg (Altmark)", ""),
    ("Lohne (Oldenburg)", "NI", "Lohne (Oldenburg)", ""),
    ("Bad Sooden-Allendorf (Kurort)", "HE", "Bad Sooden-Allendorf", "Kurort"),
    ("Grimma (mit allen Ortsteilen)", "SN", "Grimma", "mit allen Ortsteilen"),
]


@pytest.mark.django_db
def test_town_brackets_are_official_names_or_notes_of_the_case(
    fresh_site, tmp_path, capsys, client
):
    records = [
        {
            "title": f"Projekt in {name}",
            "summary": "Kurzfassung.",
            "towns": [{"name": name, "state": state}],
            "themes": ["Mobilität"],
            "period": "seit 2020",
            "status": "laufend",
        }
        for name, state, _town, _note in BRACKET_TOWNS
    ]
    path = tmp_path / "klammern.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    call_command("import_cases", str(path), "--no-progress", "--dry-run")
    out, err = capsys.readouterr()
    towns_line = next(line for line in out.splitlines() if line.strip().startswith("Orte"))
    assert "Osterburg (Altmark) (ST)" in towns_line
    assert "Bad Sooden-Allendorf (HE)" in towns_line and "Kurort" not in towns_line
    assert "Zusatz „Kurort“ beim Fall vermerkt" in err
    assert "Osterburg (Altmark)“ als" not in err  # an official name is no note

    call_command("import_cases", str(path), "--no-progress")
    for name, state, stored, note in BRACKET_TOWNS:
        link = CasePage.objects.get(title=f"Projekt in {name}").case_towns.get()
        assert (link.town.name, link.town.state, link.note) == (stored, state, note), name
    # The case page shows the note next to the town.
    grimma = CasePage.objects.get(title="Projekt in Grimma (mit allen Ortsteilen)")
    factbox = client.get(grimma.url).content.decode().split('class="factbox"')[1]
    assert "Grimma" in factbox and "mit allen Ortsteilen" in factbox
    # The official names found their directory entry (AGS and coordinates filled in).
    assert Town.objects.get(name="Osterburg (Altmark)").ags == "15090415"
    assert Town.objects.get(name="Lohne (Oldenburg)").ags == "03460006"

    # The note travels with the export and the same file again changes nothing.
    exported = tmp_path / "export.json"
    call_command("export_cases", str(exported))
    towns = {
        case["title"]: case["towns"][0]
        for case in json.loads(exported.read_text(encoding="utf-8"))
        if case["title"].startswith("Projekt in")
    }
    assert towns["Projekt in Grimma (mit allen Ortsteilen)"]["note"] == "mit allen Ortsteilen"
    assert towns["Projekt in Grimma (mit allen Ortsteilen)"]["name"] == "Grimma"
    revisions = {page.pk: page.revisions.count() for page in CasePage.objects.all()}
    call_command("import_cases", str(path), "--no-progress")
    call_command("import_cases", str(exported), "--no-progress")
    assert {page.pk: page.revisions.count() for page in CasePage.objects.all()} == revisions
