from django.urls import include, path
from wagtail import hooks

from . import admin_views

admin_urls = (
    [path("", admin_views.municipality_suggestions, name="municipality_suggestions")],
    "places_admin",
)


@hooks.register("register_admin_urls")
def register_directory_urls():
    return [path("gemeinden/", include(admin_urls))]
