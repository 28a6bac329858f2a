from django.urls import path  # noqa: F401

app_name = "placements"

urlpatterns: list = [
    # --- coordinator side: matching, proposals, lifecycle, follow-ups (views/coordinator.py) ---
    # --- end of coordinator side ---
    #
    #
    # --- enterprise side: proposals to answer, placements, attendance, invoice basis
    #     and offer capacity (views/enterprise.py) ---
    # --- end of enterprise side ---
]
