"""/foretag/: the enterprise and offer pages (namespace `enterprises`).

Routed from placements, the app above enterprises, because the offer page joins
placements (places taken and free); the rest are the enterprises app's own views."""

from django.urls import path

from enterprises import urls as enterprise_urls
from placements.views import offers as joined

app_name = "enterprises"

urlpatterns = [
    path("platser/<int:offer_pk>/", joined.offer_detail, name="offer-detail"),
    *enterprise_urls.urlpatterns,
]
