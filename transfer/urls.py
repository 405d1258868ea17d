from django.urls import path

from . import views

app_name = "transfer"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("import/<int:pk>/", views.JobView.as_view(), name="job"),
    path("import/<int:pk>/start/", views.start_job, name="start"),
    path("import/<int:pk>/schritt/", views.step_job, name="step"),
    path("import/<int:pk>/status/", views.job_status, name="status"),
    path("export/fallbibliothek.json", views.export_json, name="export_json"),
    path("export/fallbibliothek.zip", views.export_zip, name="export_zip"),
]
