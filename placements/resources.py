"""Training offers from spreadsheets with their number of places.

Lowering an existing offer's capacity must count the places already held, which
is a placements rule (`offer_set_capacity`); so the import pages use this resource,
while the enterprises layer's one only lets capacity grow.
"""

from __future__ import annotations

import datetime

from enterprises.models import TrainingOffer
from enterprises.resources import TrainingOfferResource
from placements.services.waiting import offer_capacity_set


class OfferCapacityResource(TrainingOfferResource):
    def set_capacity(
        self, offer: TrainingOffer, capacity: int, free_from: datetime.date | None
    ) -> None:
        assert self.user is not None
        offer_capacity_set(offer=offer, user=self.user, capacity=capacity, free_from=free_from)
