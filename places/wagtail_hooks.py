from django.templatetags.static import static
from django.urls import include, path
from django.utils.html import format_html
from wagtail import hooks

from . import admin_views

admin_urls = (
    [path("", admin_views.municipality_suggestions, name="municipality_suggestions")],
    "places_admin",
)


@hooks.register("register_admin_urls")
def register_directory_urls():
    return [path("gemeinden/", include(admin_urls))]


@hooks.register("insert_global_admin_js")
def town_form_script():
    """On every admin page, so that a town form opened in a modal (a chooser's "create"
    form, loaded later) offers the directory as well."""
    return format_html('<script src="{}" defer></script>', static("places/town-form.js"))
