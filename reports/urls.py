from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("tabell/<slug:slug>.<slug:fmt>", views.table_export, name="table-export"),
    path("insats/<int:pk>/", views.insats_detail, name="insats-detail"),
    path("foretagsutveckling/", views.development, name="development"),
    path("esf/<int:pk>/", views.esf, name="esf"),
    path("esf/<int:pk>/tabeller.xlsx", views.esf_export, name="esf-export"),
    path("esf/<int:pk>/exakt/", views.esf_exact, name="esf-exact"),
    path("esf/<int:pk>/exakt/tabeller.xlsx", views.esf_exact_export, name="esf-exact-export"),
    path("uppfoljning-finsam/", views.finsam_followup, name="finsam-followup"),
    path("uppfoljning-finsam/tabell.<slug:fmt>", views.finsam_export, name="finsam-export"),
    path(
        "insats/<int:pk>/tabell/<slug:slug>.<slug:fmt>",
        views.insats_table_export,
        name="insats-table-export",
    ),
]
