"""/deltagare/: the participant pages (namespace `participants`).

Routed from placements, the app above participants, because some of the pages
join placements; the rest are the participants app's own views."""

from django.urls import path

from participants import spreadsheet_views, views
from placements.views import participants as joined

app_name = "participants"

urlpatterns = [
    path("", joined.participant_list, name="participant-list"),
    path("ny/", views.participant_create, name="participant-create"),
    path("import/", spreadsheet_views.participant_import, name="participant-import"),
    path(
        "import/spara/",
        spreadsheet_views.participant_import_confirm,
        name="participant-import-confirm",
    ),
    path(
        "import/mall/",
        spreadsheet_views.participant_import_template,
        name="participant-import-template",
    ),
    path("arendelista/<str:fmt>/", spreadsheet_views.caseload_export, name="caseload-export"),
    path("<int:pk>/", joined.participant_detail, name="participant-detail"),
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
