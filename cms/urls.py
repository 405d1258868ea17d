from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

import core.params  # noqa: F401 - registers the <id:...> converter
from casestudies import places_like_mine
from casestudies import views as casestudies_views
from core import safe_reports
from core.serve import SERVE_PATTERN, serve
from home import views as home_views
from partners import api as partners_api
from partners.urls import api_urlpatterns as partner_api_urls
from search import views as search_views

urlpatterns = [
    path("django-admin/", admin.site.urls),
    # Wagtail's reports with formula-safe CSV exports, before Wagtail's own (finding 5).
    path("admin/reports/", include(safe_reports)),
    path("admin/", include(safe_reports.contrib_urlpatterns)),
    path("admin/", include(wagtailadmin_urls)),
    path("dokumente/", include(wagtaildocs_urls)),
    path("suche/", search_views.search, name="search"),
    path("suche/klick/<id:entry_id>/", search_views.click, name="search_click"),
    path("orte-wie-meiner/", places_like_mine.places_like_mine, name="places_like_mine"),
    path("karte/", casestudies_views.case_map, name="case_map"),
    path("", include("places.urls")),
    path("benachrichtigungen/", include("alerts.urls")),
    path("kalender/", include("agenda.urls")),
    path("fall-pruefen/", include("editorial.urls")),
    path("fall-vorschlagen/", include("suggestions.urls")),
    path("robots.txt", home_views.robots_txt, name="robots_txt"),
    path("sitemap.xml", home_views.sitemap, name="sitemap"),
    # The API (Django REST framework, core/api.py): Wagtail API v2 under /api/v2/, the search
    # API, and one generated OpenAPI document for all of it with its Swagger UI.
    *partner_api_urls,
    path("", include("partners.urls")),
    path("api/", include("search.api")),
    path("api/openapi.json", partners_api.OpenAPIDocument.as_view(), name="api_openapi"),
    path("api/docs", partners_api.SwaggerUI.as_view(), name="api_docs"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Pages are served by core.serve (Wagtail's view with the site root from the page tree memo);
# Wagtail's own URLs follow for its password and login views.
urlpatterns += [
    re_path(SERVE_PATTERN, serve, name="wagtail_serve"),
    path("", include(wagtail_urls)),
]

# A database failure anywhere is a 503 with a static page (core/security.py).
handler500 = "core.security.server_error"
