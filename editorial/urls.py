from django.urls import path

from . import views

app_name = "editorial"

urlpatterns = [
    path("<str:token>/", views.confirm_check, name="confirm_check"),
]

admin_urlpatterns = [
    path("status/<int:page_id>/", views.case_status, name="case_status"),
]
