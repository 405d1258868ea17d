"""Where the cases are: their towns' coordinates as places on the map of the Länder
(places.maps draws and groups them)."""

from collections import defaultdict

from places.maps import Place, project

from .models import CasePage, CaseTown


def case_towns(pages):
    """(page, town) pairs of the given case pages whose towns have coordinates, in one
    query."""
    links = (
        CaseTown.objects.filter(page__in=pages)
        .select_related("town")
        .order_by("page_id", "sort_order")
    )
    return [(link.page_id, link.town) for link in links]


def case_locations():
    """Page id -> (latitude, longitude) of its towns, for every public live case."""
    pages = CasePage.objects.live().public()
    locations = defaultdict(list)
    for page_id, town in case_towns(pages):
        if town.has_coordinates:
            locations[page_id].append((float(town.latitude), float(town.longitude)))
    return dict(locations)


def places_of(cases):
    """The towns of these cases (with coordinates) with their cases, and the cases whose
    towns have none."""
    by_id = {case.pk: case for case in cases}
    places, located = {}, set()
    for page_id, town in case_towns(list(by_id)):
        if not town.has_coordinates:
            continue
        if town.pk not in places:
            places[town.pk] = Place(town, *project(town.latitude, town.longitude))
        places[town.pk].cases.append(by_id[page_id])
        located.add(page_id)
    ordered = sorted(places.values(), key=lambda p: (p.town.name, p.town.state))
    unlocated = [case for case in cases if case.pk not in located]
    return ordered, unlocated
