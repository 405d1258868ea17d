from django import template

from places.maps import HEIGHT, WIDTH, project

register = template.Library()


@register.inclusion_tag("places/mini_map.html")
def case_mini_map(page):
    """A small map of Germany with the case's towns, linking to the big map."""
    points = [
        {"town": town, "xy": project(town.latitude, town.longitude)}
        for town in page.towns
        if town.has_coordinates
    ]
    return {"points": points, "width": WIDTH, "height": HEIGHT}
