import pytest
from django.core.exceptions import ValidationError

from casestudies.matching import is_funding_description, town_key, town_name_and_note
from casestudies.models import Town
from casestudies.periods import parse_period, read_period
from casestudies.vocabulary import status_for
from core.geo import parse_state, size_class_for


@pytest.mark.parametrize(
    ("population", "expected"),
    [
        (None, ""),
        (0, "landgemeinde"),
        (4_999, "landgemeinde"),
        (5_000, "kleine-kleinstadt"),
        (9_999, "kleine-kleinstadt"),
        (10_000, "groessere-kleinstadt"),
        (19_999, "groessere-kleinstadt"),
        (20_000, "mittelstadt"),
        (99_999, "mittelstadt"),
        (100_000, "grossstadt"),
    ],
)
def test_size_class_boundaries(population, expected):
    assert size_class_for(population) == expected


@pytest.mark.django_db
def test_town_size_class_follows_population():
    town = Town.objects.create(name="Probestadt", state="NI", population=9_800)
    assert town.size_class == "kleine-kleinstadt"
    town.population = 10_200
    town.save(update_fields=["population"])
    town.refresh_from_db()
    assert town.size_class == "groessere-kleinstadt"


@pytest.mark.django_db
def test_town_rejects_malformed_ags():
    with pytest.raises(ValidationError):
        Town(name="X", state="BY", ags="12ab").full_clean()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-2023", "2021–2023"),
        ("2021 – 2023", "2021–2023"),
        ("seit 2019", "seit 2019"),
        ("ab 03/2020", "seit 03/2020"),
        ("05/2021-06/2023", "05/2021–06/2023"),
        ("2024", "2024"),
        ("", ""),
    ],
)
def test_period_forms(text, expected):
    assert str(parse_period(text)) == expected


@pytest.mark.parametrize("text", ["2023-2021", "bald", "13/2020-2021", "seit gestern"])
def test_bad_periods_are_rejected(text):
    with pytest.raises(ValidationError):
        parse_period(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Nordrhein-Westfalen", "NW"),
        ("nordrhein westfalen", "NW"),
        ("NRW", "NW"),
        ("Thüringen", "TH"),
        ("Thueringen", "TH"),
        ("st", "ST"),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_state_names_and_codes(text, code):
    assert parse_state(text) == code


@pytest.mark.parametrize(
    ("text", "stored", "note"),
    [
        ("2021-2023", "2021–2023", ""),
        ("2021 – 2023", "2021–2023", ""),
        ("bis 2022", "bis 2022", ""),
        ("seit 2016/17", "seit 2016", "seit 2016/17"),
        ("2016/17", "2016–2017", "2016/17"),
        ("2021-23", "2021–2023", "2021-23"),
        ("2010-2013, seither dauerhaft", "seit 2010", "2010-2013, seither dauerhaft"),
        ("Planung ab 2019/20, Bau 2022", "2019–2022", "Planung ab 2019/20, Bau 2022"),
        ("Frühjahr 2019 bis Herbst 2020", "2019–2020", "Frühjahr 2019 bis Herbst 2020"),
        ("März 2018 bis Dezember 2019", "03/2018–12/2019", "März 2018 bis Dezember 2019"),
        ("2017 bis heute", "seit 2017", "2017 bis heute"),
        ("2018 (Stand 2021)", "2018", "2018 (Stand 2021)"),
        ("Stand: Bericht 2016", "", "Stand: Bericht 2016"),
        ("noch offen", "", "noch offen"),
    ],
)
def test_free_text_periods_are_read(text, stored, note):
    reading = read_period(text)
    assert (str(reading.period), reading.note) == (stored, note)
    assert bool(reading.warning) == (stored == "")
    assert str(parse_period(stored)) == stored  # the stored form is the admin's form


@pytest.mark.parametrize("text", ["2023-2019", "2023 bis 2021", "05/2022-03/2022"])
def test_free_text_period_ending_before_its_start_is_an_error(text):
    with pytest.raises(ValidationError, match="endet vor seinem Beginn"):
        read_period(text)


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("abgeschlossen", "beendet"),
        ("Fertig", "beendet"),
        ("in Umsetzung", "laufend"),
        ("Pilotphase", "laufend"),
        ("dauerhaft", "verstetigt"),
        ("geplant", "geplant"),
        ("laeuft", "laufend"),
        ("irgendwie", None),
    ],
)
def test_status_words(word, status):
    assert status_for(word) == status


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Hansestadt Gardelegen", "Gardelegen", True),
        ("Osterburg (Altmark)", "Osterburg (Altmark)", True),
        ("Tangerhuette", "Tangerhütte", True),
        ("Hagen", "Hagenow", False),
    ],
)
def test_town_keys(a, b, same):
    assert (town_key(a) == town_key(b)) is same


@pytest.mark.django_db
def test_a_bracket_is_part_of_the_town_name_when_the_directory_says_so():
    # Official names of the municipality directory (places) keep their bracket.
    assert town_name_and_note("Osterburg (Altmark)", "ST") == ("Osterburg (Altmark)", "")
    assert town_name_and_note("Lohne  (Oldenburg)") == ("Lohne (Oldenburg)", "")
    # Anything else in brackets is a note of the case, whatever its first letter.
    assert town_name_and_note("Grimma (OT Nerchau)", "SN") == ("Grimma", "OT Nerchau")
    assert town_name_and_note("Bad Sooden-Allendorf (Kurort)", "HE") == (
        "Bad Sooden-Allendorf",
        "Kurort",
    )
    # In another state the bracket names no municipality of the directory.
    assert town_name_and_note("Osterburg (Altmark)", "BY") == ("Osterburg", "Altmark")
    assert town_name_and_note("Tangerhütte", "ST") == ("Tangerhütte", "")


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("Anteile der Vereinsmitglieder (422 Anteile zu je 250 Euro)", True),
        ("Eigenmittel der Stadt", True),
        ("Spenden", True),
        ("Haushaltsmittel (50.000 € im Jahr)", True),
        ("LEADER", False),
        ("KfW 432 Energetische Stadtsanierung", False),
        ("Städtebauförderung – Lebendige Zentren", False),
    ],
)
def test_funding_descriptions(text, description):
    assert is_funding_description(text) is description
