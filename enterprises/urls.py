from django.urls import path

from enterprises import development_views, spreadsheet_views, views
from samordning.imports import import_urls
from samordning.policy import Perm

app_name = "enterprises"

urlpatterns = [
    path("", views.EnterpriseListView.as_view(), name="enterprise-list"),
    # Spreadsheets (spreadsheet_views.py).
    *import_urls(spreadsheet_views.ENTERPRISE_IMPORT, Perm.DATA_IMPORT_ALL, "import/"),
    path(
        "export/<str:fmt>/",
        spreadsheet_views.enterprise_register_export,
        name="enterprise-register-export",
    ),
    *import_urls(spreadsheet_views.ANNUAL_FIGURE_IMPORT, Perm.DATA_IMPORT, "arsuppgifter/import/"),
    path("<int:enterprise_pk>/", views.EnterpriseDetailView.as_view(), name="enterprise-detail"),
    path("<int:enterprise_pk>/andra/", views.enterprise_update, name="enterprise-update"),
    path(
        "<int:enterprise_pk>/arsuppgifter/ny/",
        views.annual_figure_edit,
        name="annual-figure-create",
    ),
    path(
        "<int:enterprise_pk>/arsuppgifter/<int:figure_pk>/andra/",
        views.annual_figure_edit,
        name="annual-figure-update",
    ),
    path("<int:enterprise_pk>/utveckling/", development_views.development, name="development"),
    path(
        "<int:enterprise_pk>/utveckling/mal/ny/",
        development_views.goal_create,
        name="development-goal-create",
    ),
    path(
        "<int:enterprise_pk>/utveckling/mal/<int:goal_pk>/andra/",
        development_views.goal_update,
        name="development-goal-update",
    ),
    path(
        "<int:enterprise_pk>/utveckling/stod/ny/",
        development_views.activity_create,
        name="support-activity-create",
    ),
    path(
        "<int:enterprise_pk>/utveckling/milstolpe/ny/",
        development_views.milestone_create,
        name="milestone-create",
    ),
    path(
        "<int:enterprise_pk>/utveckling/kommentar/",
        development_views.comment_create,
        name="development-comment-create",
    ),
    path("<int:enterprise_pk>/platser/ny/", views.offer_create, name="offer-create"),
    path("platser/", views.OfferListView.as_view(), name="offer-list"),
    # The offer page ("platser/<offer_pk>/", offer-detail) shows places taken and free:
    # a joined page, routed by placements/urls/enterprises.py.
    path("platser/<int:offer_pk>/andra/", views.offer_update, name="offer-update"),
    path("platser/<int:offer_pk>/pausa/", views.offer_pause, name="offer-pause"),
    path("platser/<int:offer_pk>/oppna/", views.offer_reopen, name="offer-reopen"),
    path(
        "platser/<int:offer_pk>/bekrafta/",
        views.offer_confirm_capacity,
        name="offer-confirm-capacity",
    ),
]
