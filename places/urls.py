from django.urls import path

from . import views

urlpatterns = [
    path("karte/", views.case_map, name="case_map"),
    path("orte-wie-meiner/gemeinden/", views.municipality_suggestions, name="municipalities"),
]
