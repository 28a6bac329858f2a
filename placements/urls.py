from django.urls import path  # noqa: F401

from placements.views import coordinator

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
    # --- end of coordinator side ---
    #
    #
    # --- enterprise side: proposals to answer, placements, attendance, invoice basis
    #     and offer capacity (views/enterprise.py) ---
    # --- end of enterprise side ---
]
