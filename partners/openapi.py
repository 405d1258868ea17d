"""Parameters and answers shared by the documented views of partners (exports, feeds, oEmbed)
in the generated OpenAPI document (core.api.documented)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse


def _many(name, description):
    return OpenApiParameter(name, str, many=True, description=description)


SELECTION_PARAMETERS = [
    OpenApiParameter("q", str, description="Suchbegriffe wie auf /suche/"),
    _many("thema", "Themen-Kurzform, mehrfach möglich"),
    _many("land", "Länderkürzel (NI, NW, …), mehrfach möglich"),
    _many("groesse", "Stadtgrößenklasse, mehrfach möglich"),
    _many("status", "geplant, laufend, verstetigt, beendet; mehrfach möglich"),
    _many("foerderung", "Förderprogramm-ID, mehrfach möglich"),
    _many("zeitraum", "bis-2014, 2015-2019, 2020-2022, ab-2023"),
    OpenApiParameter(
        "sortierung",
        str,
        description="relevanz, neu, groesse, titel (auch -neu wie in der Bibliothek)",
    ),
]


def text(status, description, media_type="text/plain"):
    """A response entry for ``extend_schema(responses=...)``: a body that is not JSON (CSV,
    a feed, an error message as plain text)."""
    return {(status, media_type): OpenApiResponse(OpenApiTypes.STR, description=description)}


BAD_FILTER = text(400, "Ungültiger Filterwert")
