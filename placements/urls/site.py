"""Pages without a namespace: the start page and the per-person export."""

from django.urls import path, register_converter

from placements.views import calendar, home, participants


class ExportFormatConverter:
    """Only the export formats we produce; anything else is a 404 from the resolver."""

    regex = "json|html"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormatConverter, "export_format")

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "integritet/deltagare/<int:pk>/export.<export_format:fmt>",
        participants.participant_data_export,
        name="participant-data-export",
    ),
    # Opened by a secret token, not a login: the calendar apps cannot log in.
    path("kalender/<str:token>.ics", calendar.calendar_feed, name="calendar-feed"),
]
