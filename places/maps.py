"""The map of the Länder (places/static/places/germany.svg, see scripts/build-germany-svg):
points projected onto it, towns with what is there (``Place``) grouped where dense. Which
cases are where is the case library's (casestudies.maps)."""

from dataclasses import dataclass, field

# The base map is equirectangular: its drawing (viewBox 0 0 586 793) spans Germany's extreme
# points. Measured by scripts/build-germany-svg.
WIDTH, HEIGHT = 586, 793
WEST, EAST, SOUTH, NORTH = 5.866315, 15.041896, 47.270124, 55.057678
X0, X1, Y0, Y1 = 0.29, 585.24, 0.28, 792.28

# Towns closer than this (in map units, about 16 km) are drawn as one marker with a count.
CLUSTER_CELL = 22


def project(latitude, longitude):
    """Map coordinates (x, y) of a point."""
    x = X0 + (float(longitude) - WEST) * (X1 - X0) / (EAST - WEST)
    y = Y0 + (NORTH - float(latitude)) * (Y1 - Y0) / (NORTH - SOUTH)
    return round(x, 1), round(y, 1)


@dataclass
class Place:
    """A town on the map with its cases."""

    town: object
    x: float
    y: float
    cases: list = field(default_factory=list)


@dataclass
class Marker:
    """One or more nearby towns drawn as one circle."""

    places: list

    @property
    def x(self):
        return round(sum(p.x for p in self.places) / len(self.places), 1)

    @property
    def y(self):
        return round(sum(p.y for p in self.places) / len(self.places), 1)

    @property
    def count(self):
        return len({case.pk for place in self.places for case in place.cases})

    @property
    def radius(self):
        return 6 if self.count == 1 else min(16, 8 + 2 * self.count)

    @property
    def label(self):
        return ", ".join(place.town.name for place in self.places)

    @property
    def href(self):
        """The first case, or the list entry of the first town when there are several."""
        if self.count == 1:
            return self.places[0].cases[0].url
        return f"#ort-{self.places[0].town.pk}"


def cluster(places, cell=CLUSTER_CELL):
    """Markers: places greedily grouped with every other place within ``cell`` map units of
    the group's first place, the places with most cases first."""
    markers = []
    for place in sorted(places, key=lambda p: (-len(p.cases), p.town.name)):
        for marker in markers:
            first = marker.places[0]
            if (first.x - place.x) ** 2 + (first.y - place.y) ** 2 <= cell**2:
                marker.places.append(place)
                break
        else:
            markers.append(Marker([place]))
    return markers
