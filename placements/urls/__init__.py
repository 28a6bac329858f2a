from django.urls import path

from placements.views import attention, coordinator, enterprise, spreadsheets, waiting
from samordning.imports import import_urls
from samordning.policy import Perm

app_name = "placements"

urlpatterns: list = [
    # --- coordinator side: matching, proposals, lifecycle, follow-ups (views/coordinator.py) ---
    path("lediga-platser/", coordinator.offer_free_list, name="offer-free-list"),
    path(
        "deltagare/<int:pk>/matchning/",
        coordinator.participant_matches,
        name="participant-matches",
    ),
    path("deltagare/<int:pk>/foresla/", coordinator.placement_propose, name="placement-propose"),
    path("<int:pk>/", coordinator.placement_detail, name="placement-detail"),
    path("<int:pk>/ta-tillbaka/", coordinator.placement_withdraw, name="placement-withdraw"),
    path("<int:pk>/starta/", coordinator.placement_start, name="placement-start"),
    path("<int:pk>/avsluta/", coordinator.placement_end, name="placement-end"),
    path("<int:pk>/andra-plan/", coordinator.placement_change_plan, name="placement-change-plan"),
    path("<int:pk>/uppfoljning/", coordinator.follow_up_create, name="follow-up-create"),
    path("<int:pk>/dela/", coordinator.placement_share_update, name="placement-share-update"),
    path("uppfoljning/", coordinator.follow_up_list, name="follow-up-list"),
    # Waiting lists for full offers (views/waiting.py).
    path("deltagare/<int:pk>/ko/", waiting.waiting_create, name="waiting-create"),
    path("ko/", waiting.waiting_list, name="waiting-list"),
    path("ko/<int:pk>/ta-bort/", waiting.waiting_remove, name="waiting-remove"),
    # "Att göra": what needs the user's attention (views/attention.py).
    path("att-gora/", attention.attention, name="attention"),
    path("att-gora/<slug:kind>/", attention.attention_list, name="attention-list"),
    # --- end of coordinator side ---
    #
    #
    # --- enterprise side: proposals to answer, placements, attendance, invoice basis
    #     and offer capacity (views/enterprise.py) ---
    path(
        "foretag/forslag/",
        enterprise.proposal_list,
        name="enterprise-proposal-list",
    ),
    path(
        "foretag/forslag/<int:placement_pk>/acceptera/",
        enterprise.proposal_accept,
        name="enterprise-proposal-accept",
    ),
    path(
        "foretag/forslag/<int:placement_pk>/avboj/",
        enterprise.proposal_decline,
        name="enterprise-proposal-decline",
    ),
    path("foretag/", enterprise.placement_list, name="enterprise-placement-list"),
    path(
        "foretag/<int:placement_pk>/",
        enterprise.placement_detail,
        name="enterprise-placement-detail",
    ),
    path("foretag/narvaro/", enterprise.attendance_grid, name="attendance-grid"),
    path(
        "foretag/platser/<int:offer_pk>/platsantal/",
        enterprise.offer_capacity,
        name="offer-capacity",
    ),
    path("fakturaunderlag/", enterprise.invoice_basis, name="invoice-basis"),
    path("fakturaunderlag/<str:fmt>/", enterprise.invoice_export, name="invoice-export"),
    # Offers with capacity from and to spreadsheets (views/spreadsheets.py).
    *import_urls(spreadsheets.OFFER_IMPORT, Perm.DATA_IMPORT, "platser/import/"),
    path("platser/export/<str:fmt>/", spreadsheets.offer_export, name="offer-export"),
    # --- end of enterprise side ---
]
