from django.urls import path

from participants import views
from samordning import views as cross_app_views

app_name = "participants"

urlpatterns = [
    path("", views.participant_list, name="participant-list"),
    path("ny/", views.participant_create, name="participant-create"),
    path("<int:pk>/", views.participant_detail, name="participant-detail"),
    path("<int:pk>/andra/", views.participant_update, name="participant-update"),
    path("<int:pk>/visa-personnummer/", views.participant_reveal, name="participant-reveal"),
    path("<int:pk>/samtycke/", views.consent_create, name="consent-create"),
    path(
        "<int:pk>/samtycke/<int:consent_pk>/aterkalla/",
        cross_app_views.consent_withdraw,  # anonymises across apps when needed
        name="consent-withdraw",
    ),
    path("<int:pk>/inskrivning/", views.enrolment_create, name="enrolment-create"),
    path(
        "<int:pk>/inskrivning/<int:enrolment_pk>/avsluta/",
        views.enrolment_end,
        name="enrolment-end",
    ),
]
