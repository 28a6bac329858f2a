"""Writing the audit log. One call, one row; never updated afterwards."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from samordning.models import AuditAction, AuditLog


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # Behind a reverse proxy the first X-Forwarded-For entry is the client.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    user: Any,
    action: AuditAction | str,
    obj: models.Model,
    request: HttpRequest | None = None,
    detail: str = "",
    responsible: bool | None = None,
) -> AuditLog:
    """Append one row saying that `user` did `action` to `obj`."""
    return AuditLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        ip_address=client_ip(request),
        path=request.get_full_path()[:300] if request is not None else "",
        detail=detail[:300],
        responsible=responsible,
    )
