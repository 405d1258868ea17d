import pytest
from django.core.exceptions import ValidationError

from casestudies.models import Town
from casestudies.periods import parse_period
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
