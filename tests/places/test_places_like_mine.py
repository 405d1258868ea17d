""" "Orte wie meiner" for any German municipality: 20 municipalities without a case, from all
13 territorial states and the 3 city states, get the nearest comparable cases."""

import pytest

from casestudies.maps import case_locations
from casestudies.models import Town
from core.geo import State, size_class_for
from places import directory
from places.models import Municipality
from search import engine
from search.engine import distance_km

pytestmark = pytest.mark.django_db

# (what a person types, AGS of the municipality meant)
WITHOUT_A_CASE = [
    ("Plön", "01057057"),  # SH
    ("Eutin", "01055012"),  # SH
    ("Hamburg", "02000000"),  # HH
    ("Hann Münden", "03159017"),  # NI, typed without the dot
    ("Bremerhaven", "04012000"),  # HB
    ("Schmallenberg", "05958040"),  # NW
    ("Schlitz", "06535015"),  # HE
    ("Kirn", "07133052"),  # RP
    ("Gengenbach", "08317034"),  # BW
    ("Hornberg", "08317051"),  # BW
    ("Wunsiedel", "09479169"),  # BY
    ("Lichtenfels", "09478139"),  # BY (the larger of two)
    ("Sankt Wendel", "10046117"),  # SL, officially "St. Wendel"
    ("Berlin", "11000000"),  # BE
    ("Bad Belzig", "12069020"),  # BB
    ("Penzlin", "13071115"),  # MV
    ("Oederan", "14522440"),  # SN
    ("Havelberg", "15090225"),  # ST
    ("Seehausen", "15090520"),  # ST, officially "Seehausen (Altmark)"
    ("Schmoelln", "16077043"),  # TH, typed without the umlaut
]


@pytest.fixture(autouse=True)
def _fresh_snapshot():
    engine.reset_snapshot()
    yield
    engine.reset_snapshot()


@pytest.fixture
def gemeinden(db):
    if not Municipality.objects.exists():
        directory.load()


def test_the_sample_covers_every_state(gemeinden):
    states = {Municipality.objects.get(ags=ags).state for _typed, ags in WITHOUT_A_CASE}
    assert states == set(State.values)
    assert len(WITHOUT_A_CASE) == 20


@pytest.mark.parametrize(("typed", "ags"), WITHOUT_A_CASE)
def test_any_municipality_gets_the_nearest_comparable_cases(
    client, demo_site, gemeinden, typed, ags
):
    municipality = Municipality.objects.get(ags=ags)
    assert not Town.objects.filter(ags=ags).exists()
    assert not Town.objects.filter(name=municipality.name, state=municipality.state).exists()

    response = client.get("/orte-wie-meiner/", {"ort": typed})
    assert response.status_code == 200
    content = response.content.decode()
    assert response.context["place"] == municipality
    assert f"Fälle für {municipality.name} ({municipality.get_state_display()})" in content
    recommendations = response.context["recommendations"]
    assert len(recommendations) == 10
    scores = [item.score for item in recommendations]
    assert scores == sorted(scores, reverse=True)

    # What the list is made of: cases of the same or a neighbouring size class, from the
    # same state and nearby first. Each shown case says why it fits.
    size_class = size_class_for(municipality.population)
    point = (float(municipality.latitude), float(municipality.longitude))
    first = recommendations[0]
    assert first.reasons
    towns = Town.objects.filter(case_links__page_id=first.hit.page.id)
    assert any(
        t.size_class == size_class
        or t.state == municipality.state
        or (t.has_coordinates and distance_km(point, (float(t.latitude), float(t.longitude))) < 100)
        for t in towns
    )
    assert first.hit.page.title in content
    # A distance given as a reason is the distance to the case's nearest town.
    for item in recommendations:
        for reason in item.reasons:
            if reason.endswith("km entfernt"):
                stated = int(reason.split()[0])
                nearest = min(
                    distance_km(point, (float(t.latitude), float(t.longitude)))
                    for t in Town.objects.filter(case_links__page_id=item.hit.page.id)
                    if t.has_coordinates
                )
                assert abs(stated - nearest) <= 1


def test_distance_brings_nearby_cases_up(demo_site, gemeinden):
    """Seehausen (Altmark): with its coordinates the cases come from closer by than for any
    place of the same size in Sachsen-Anhalt, and the nearest say how far they are."""
    seehausen = Municipality.objects.get(ags="15090520")
    point = (float(seehausen.latitude), float(seehausen.longitude))
    locations = case_locations()

    def mean_distance(recommendations):
        distances = [
            min(distance_km(point, other) for other in locations[r.hit.page.id])
            for r in recommendations[:5]
        ]
        return sum(distances) / len(distances)

    anywhere = engine.places_like(seehausen.population, "ST")
    nearby = engine.places_like(seehausen.population, "ST", point=point, locations=locations)
    assert mean_distance(nearby) < mean_distance(anywhere)
    assert any(reason.endswith("km entfernt") for reason in nearby[0].reasons)


def test_choosing_a_suggestion_and_alternatives(client, demo_site, gemeinden):
    suggestions = client.get("/orte-wie-meiner/gemeinden/", {"q": "Osterb"}).json()["results"]
    assert suggestions[0]["label"] == "Osterburg (Altmark) (Stendal, Sachsen-Anhalt)"
    # A misspelt name: the likeliest municipality, and the others to choose from.
    response = client.get("/orte-wie-meiner/", {"ort": "Lichtenfels"})
    assert response.context["place"].ags == "09478139"
    alternatives = response.context["alternatives"]
    assert "06635016" in [m.ags for m in alternatives]  # Lichtenfels in Hessen
    content = response.content.decode()
    assert 'href="?ags=06635016"' in content
    # No population known for this one: the visitor gives it.
    hessen = client.get("/orte-wie-meiner/", {"ags": "06635016", "einwohner": "4000"})
    assert hessen.context["place"].state == "HE"


def test_a_place_nobody_knows_is_a_clear_error(client, demo_site, gemeinden):
    response = client.get("/orte-wie-meiner/", {"ort": "Xqzzyvwq"})
    assert response.status_code == 400
    assert "keine Gemeinde, die wir kennen" in response.content.decode()
    assert client.get("/orte-wie-meiner/", {"ags": "1234"}).status_code == 400
