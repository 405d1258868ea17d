"""Routes for partners: embeds, oEmbed, feeds, exports, the codebook and the API."""

from django.urls import path

from . import api, feeds, views

app_name = "partners"

urlpatterns = [
    path("oembed/", views.oembed, name="oembed"),
    path("einbetten/fall/<slug:slug>/", views.embed_case, name="embed_case"),
    path("einbetten/fall/<slug:slug>/karte/", views.embed_card, name="embed_card"),
    path("einbetten/faelle/", views.embed_list, name="embed_list"),
    path("feeds/faelle/rss/", feeds.rss, name="feed_rss"),
    path("feeds/faelle/atom/", feeds.atom, name="feed_atom"),
    path("export/faelle.csv", views.export_csv, name="export_csv"),
    path("export/faelle.json", views.export_json, name="export_json"),
    path("export/faelle.xlsx", views.export_xlsx, name="export_xlsx"),
    path("export/codebuch/", views.codebook_page, name="codebook"),
    path("export/codebuch.json", views.codebook_json, name="codebook_json"),
    path("api/v2/openapi.json", api.OpenAPIDocument.as_view(), name="openapi"),
]

# Wagtail's router keeps its own namespace ("wagtailapi"), outside "partners".
api_urlpatterns = [
    path("api/v2/", api.index, name="api_index"),
    path("api/v2/", api.router.urls),
]
