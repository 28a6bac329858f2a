"""Writing the audit log. One call, one row; never updated afterwards."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from django.conf import settings
from django.db import models
from django.http import HttpRequest

from samordning.models import AuditAction, AuditLog, User


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. X-Forwarded-For is trusted only as far as our own
    proxies (PROXY_COUNT) wrote it: the entry that many places from the right.
    Anything that is not an IP address is recorded as unknown."""
    if request is None:
        return None
    candidate = request.META.get("REMOTE_ADDR", "")
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def audit_record(
    *,
    user: User | None,
    action: AuditAction | str,
    obj: models.Model,
    request: HttpRequest | None = None,
    detail: str = "",
    responsible: bool | None = None,
) -> AuditLog:
    """Append one row saying that `user` did `action` to `obj`."""
    return AuditLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        ip_address=client_ip(request),
        path=request.get_full_path()[:300] if request is not None else "",
        detail=detail[:300],
        responsible=responsible,
    )


def audit_records(
    *,
    user: User | None,
    action: AuditAction | str,
    objects: Sequence[models.Model],
    request: HttpRequest | None = None,
    detail: str = "",
) -> list[AuditLog]:
    """One row per object (e.g. every row of personal data in an export), in one insert."""
    ip, path = client_ip(request), request.get_full_path()[:300] if request is not None else ""
    return AuditLog.objects.bulk_create(
        AuditLog(
            user=user if user is not None and user.is_authenticated else None,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            ip_address=ip,
            path=path,
            detail=detail[:300],
        )
        for obj in objects
    )
