"""Secret calendar addresses: issuing, revoking and looking up a token.

The token is 256 random bits in the address; only its SHA-256 is stored, so the
database (or a backup) does not give the feeds away. A user has at most one: issuing
again replaces it (the old address stops working), revoking deletes it.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from samordning.models import CalendarFeed, User

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_issue(*, user: User) -> str:
    """A new secret token for `user`'s feed, replacing any earlier one. Shown once."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    CalendarFeed.objects.filter(user=user).delete()
    feed = CalendarFeed(user=user, token_hash=token_hash(token))
    feed.full_clean()
    feed.save()
    return token


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> bool:
    """Stop `user`'s feed address; True if there was one."""
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    return bool(deleted)


def calendar_feed_for(token: str) -> CalendarFeed | None:
    """The feed a token opens, or None (unknown, revoked, replaced, or malformed)."""
    if not token or len(token) > 100:
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=token_hash(token), user__is_active=True)
        .first()
    )
