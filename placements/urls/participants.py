"""/deltagare/: the participant pages (namespace `participants`).

Routed from placements, the app above participants, because some of the pages
join placements; the rest are the participants app's own views."""

from django.urls import path

from participants import spreadsheet_views, views
from placements.views import participants as joined
from samordning.imports import import_urls
from samordning.policy import Perm

app_name = "participants"

urlpatterns = [
    path("", joined.participant_list, name="participant-list"),
    path("ny/", views.participant_create, name="participant-create"),
    *import_urls(spreadsheet_views.PARTICIPANT_IMPORT, Perm.DATA_IMPORT_ALL, "import/"),
    path("arendelista/<str:fmt>/", spreadsheet_views.caseload_export, name="caseload-export"),
    path("overlamning/", views.handover, name="handover"),
    path("<int:pk>/", joined.participant_detail, name="participant-detail"),
    path("<int:pk>/parkera/", views.parking_create, name="parking-create"),
    path(
        "<int:pk>/parkering/<int:parking_pk>/avsluta/",
        views.parking_end,
        name="parking-end",
    ),
    path("<int:pk>/andra/", views.participant_update, name="participant-update"),
    path("<int:pk>/visa-personnummer/", joined.participant_reveal, name="participant-reveal"),
    path("<int:pk>/samtycke/", views.consent_create, name="consent-create"),
    path(
        "<int:pk>/samtycke/<int:consent_pk>/aterkalla/",
        joined.consent_withdraw,  # may anonymise the person, placements included
        name="consent-withdraw",
    ),
    path("<int:pk>/inskrivning/", views.enrolment_create, name="enrolment-create"),
    path(
        "<int:pk>/inskrivning/<int:enrolment_pk>/esf/start/",
        views.esf_entry,
        name="esf-entry",
    ),
    path(
        "<int:pk>/inskrivning/<int:enrolment_pk>/esf/resultat/",
        views.esf_results,
        name="esf-results",
    ),
    path(
        "<int:pk>/inskrivning/<int:enrolment_pk>/avsluta/",
        joined.enrolment_end,
        name="enrolment-end",
    ),
]
