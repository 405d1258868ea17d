"""Towns get what the municipality directory knows about them. A town is any object with
the fields ``name``, ``state``, ``ags``, ``county``, ``latitude``, ``longitude`` and
``population`` (casestudies.models.Town): the directory does not know who keeps towns."""

from .directory import fold
from .models import Municipality


def municipality_for(town):
    """The directory entry of a town: by AGS, else by name within its state when the name
    is unique there (several "Neuhaus" in one state say nothing)."""
    if town.ags:
        found = Municipality.objects.filter(ags=town.ags).first()
        if found is not None:
            return found
    if not town.name or not town.state:
        return None
    candidates = list(
        Municipality.objects.municipalities().filter(state=town.state, search_name=fold(town.name))[
            :2
        ]
    )
    if len(candidates) == 1:
        return candidates[0]
    if town.county and candidates:
        in_district = [m for m in candidates if fold(m.district) == fold(town.county)]
        if len(in_district) == 1:
            return in_district[0]
    return None


def complete_town(town):
    """Fill what the town lacks (coordinates, AGS, population, district) from the directory;
    never overwrite what an editor entered. Returns True if something was filled."""
    if town.latitude is not None and town.longitude is not None and town.ags:
        return False
    municipality = municipality_for(town)
    if municipality is None:
        return False
    changed = False
    if (town.latitude is None or town.longitude is None) and municipality.latitude is not None:
        town.latitude, town.longitude = municipality.latitude, municipality.longitude
        changed = True
    taken = type(town).objects.filter(ags=municipality.ags).exclude(pk=town.pk).exists()
    if not town.ags and not taken:
        town.ags = municipality.ags
        changed = True
    if town.population is None and municipality.population is not None:
        town.population = municipality.population
        changed = True
    if not town.county and municipality.district and municipality.district != town.name:
        town.county = municipality.district
        changed = True
    return changed
