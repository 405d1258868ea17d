from django.urls import path

from . import views

app_name = "agenda"

urlpatterns = [
    path("veranstaltungen.ics", views.calendar_feed, name="calendar"),
    path("veranstaltung-<int:pk>.ics", views.event_ics, name="event_ics"),
]
