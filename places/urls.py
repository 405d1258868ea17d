from django.urls import path

from . import views

urlpatterns = [
    path("orte-wie-meiner/gemeinden/", views.municipality_suggestions, name="municipalities"),
]
