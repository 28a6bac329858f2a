from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("tabell/<slug:slug>.<slug:fmt>", views.table_export, name="table-export"),
    path("insats/<int:pk>/", views.insats_detail, name="insats-detail"),
    path("uppfoljning-finsam/", views.finsam_followup, name="finsam-followup"),
    path("uppfoljning-finsam/tabell.<slug:fmt>", views.finsam_export, name="finsam-export"),
    path(
        "insats/<int:pk>/tabell/<slug:slug>.<slug:fmt>",
        views.insats_table_export,
        name="insats-table-export",
    ),
]
