"""The municipality directory: every German municipality with AGS, state, district,
population and coordinates; towns of the library completed from it; the town form's
suggestions in the admin."""

import pytest

from casestudies.models import Town
from casestudies.towns import fill_towns
from core.geo import State
from places import directory
from places.models import Municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def gemeinden(db):
    """The directory as the migration loads it (a transactional test before may have emptied
    the table)."""
    if not Municipality.objects.exists():
        directory.load()


def test_every_municipality_is_known(gemeinden):
    municipalities = Municipality.objects.municipalities()
    # Destatis counts 10,775 municipalities for 2024 (without unincorporated areas).
    assert 10_700 <= municipalities.count() <= 10_900
    assert set(municipalities.values_list("state", flat=True)) == set(State.values)
    assert all(
        len(ags) == 8 and ags.isdigit()
        for ags in Municipality.objects.values_list("ags", flat=True)
    )
    with_coordinates = municipalities.filter(latitude__isnull=False, longitude__isnull=False)
    assert with_coordinates.count() >= municipalities.count() - 5
    precise = municipalities.filter(coordinates_source=Municipality.Source.GEONAMES)
    assert precise.count() > 0.8 * municipalities.count()
    # GeoNames knows the population of nearly all of them.
    assert precise.filter(population__isnull=False).count() > 0.95 * precise.count()
    # Every coordinate lies in Germany.
    for lat, lon in with_coordinates.values_list("latitude", "longitude"):
        assert 47.2 <= lat <= 55.1 and 5.8 <= lon <= 15.1


@pytest.mark.parametrize(
    ("ags", "name", "state", "district", "population_range"),
    [
        ("11000000", "Berlin", "BE", "Berlin", (3_000_000, 4_000_000)),
        ("02000000", "Hamburg", "HH", "Hamburg", (1_700_000, 2_000_000)),
        ("04012000", "Bremerhaven", "HB", "Bremerhaven", (100_000, 130_000)),
        ("15090415", "Osterburg (Altmark)", "ST", "Stendal", (6_000, 11_000)),
        ("05570044", "Telgte", "NW", "Warendorf", (18_000, 22_000)),
    ],
)
def test_entries_carry_the_official_facts(gemeinden, ags, name, state, district, population_range):
    entry = Municipality.objects.get(ags=ags)
    assert (entry.name, entry.state, entry.district) == (name, state, district)
    assert population_range[0] <= entry.population <= population_range[1]


def test_loading_again_changes_nothing(gemeinden):
    count = Municipality.objects.count()
    assert directory.load() == (0, 0)
    assert Municipality.objects.count() == count
    Municipality.objects.filter(ags="15090415").update(population=1)
    assert directory.load() == (0, 1)
    assert Municipality.objects.get(ags="15090415").population > 1


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Osterburg", "Osterburg (Altmark)"),
        ("osterburg (altmark)", "Osterburg (Altmark)"),
        ("Osterbrug", "Osterburg (Altmark)"),
        ("Koenigslutter", "Königslutter am Elm"),
        ("St. Peter-Ording", "Sankt Peter-Ording"),
        ("Peter-Ording", "Sankt Peter-Ording"),
        ("Hann Münden", "Hann. Münden"),
        ("Frankfrut", "Frankfurt am Main"),
    ],
)
def test_find_tolerates_spelling(gemeinden, typed, expected):
    names = [m.name for m in directory.find(typed, limit=3)]
    assert expected in names, names


def test_find_answers_nothing_for_nonsense(gemeinden):
    assert directory.find("Xqzzyvwq") == []
    assert directory.find("a") == []
    assert [m.state for m in directory.find("Neustadt", state="SH")] == ["SH"] * len(
        directory.find("Neustadt", state="SH")
    )


def test_a_new_town_takes_what_the_directory_knows(gemeinden):
    town = Town.objects.create(name="Schmallenberg", state="NW")
    town.refresh_from_db()
    assert town.ags == "05958040"
    assert town.has_coordinates
    assert town.population and town.size_class == "mittelstadt"
    assert town.county == "Hochsauerlandkreis"
    # What an editor entered stays.
    own = Town.objects.create(name="Plön", state="SH", population=8_000, county="Kreis Plön")
    own.refresh_from_db()
    assert (own.population, own.county, own.ags) == (8_000, "Kreis Plön", "01057057")


def test_a_town_the_directory_cannot_tell_apart_stays_without_coordinates(gemeinden):
    # Four municipalities of Bavaria are called "Hausen".
    assert Municipality.objects.filter(name="Hausen", state="BY").count() > 1
    town = Town.objects.create(name="Hausen", state="BY")
    assert not town.has_coordinates
    unknown = Town.objects.create(name="Nirgendwo am See", state="NI")
    assert not unknown.has_coordinates
    filled, missing = fill_towns()
    assert filled == 0 and missing >= 2
    # With its district it is one of them.
    town.county = "Kelheim"
    town.save()
    town.refresh_from_db()
    assert town.has_coordinates and town.ags == "09273125"


def test_admin_warns_about_towns_without_coordinates(admin_client, gemeinden):
    located = Town.objects.create(name="Eutin", state="SH")
    lost = Town.objects.create(name="Nirgendwo am See", state="NI")
    listing = admin_client.get("/admin/casestudies/town/?q=Nirgendwo").content.decode()
    assert "Nirgendwo am See" in listing and "Koordinaten fehlen" in listing
    listing = admin_client.get("/admin/casestudies/town/?q=Eutin").content.decode()
    assert "Eutin" in listing and "Koordinaten fehlen" not in listing
    edit = admin_client.get(f"/admin/casestudies/town/edit/{lost.pk}/").content.decode()
    assert "Für diesen Ort fehlen Koordinaten." in edit
    edit = admin_client.get(f"/admin/casestudies/town/edit/{located.pk}/").content.decode()
    assert "Für diesen Ort fehlen Koordinaten." not in edit
    # The name field offers the directory wherever the town form is shown.
    create = admin_client.get("/admin/casestudies/town/create/").content.decode()
    assert 'data-town-directory="/admin/gemeinden/"' in create
    assert "places/town-form.js" in create


def test_admin_suggestions_need_a_login(client, admin_client, gemeinden):
    response = client.get("/admin/gemeinden/?q=Osterburg")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    data = admin_client.get("/admin/gemeinden/?q=Osterburg").json()
    first = data["results"][0]
    assert first == {
        "ags": "15090415",
        "name": "Osterburg (Altmark)",
        "label": "Osterburg (Altmark) (Stendal, Sachsen-Anhalt)",
        "state": "ST",
        "district": "Stendal",
        "population": first["population"],
        "latitude": pytest.approx(52.787, abs=0.01),
        "longitude": pytest.approx(11.754, abs=0.01),
        "approximate": False,
    }
    assert admin_client.get("/admin/gemeinden/?q=").json() == {"results": []}
