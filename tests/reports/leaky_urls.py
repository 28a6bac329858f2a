"""A URL conf with a view that forgets its role check, to prove test_access can fail."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def leaky(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    return HttpResponse("Anna Andersson")


urlpatterns = [
    path(
        "deltagare/",
        include(([path("<int:pk>/<slug:part>/", leaky, name="leaky")], "participants")),
    ),
]
