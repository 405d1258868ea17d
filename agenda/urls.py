from django.urls import path

import core.params  # noqa: F401 - registers the <id:...> converter

from . import views

app_name = "agenda"

urlpatterns = [
    path("veranstaltungen.ics", views.calendar_feed, name="calendar"),
    path("veranstaltung-<id:pk>.ics", views.event_ics, name="event_ics"),
]
