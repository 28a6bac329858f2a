from typing import Any

from django.http import HttpRequest

from samordning import policy


def roles(request: HttpRequest) -> dict[str, Any]:
    """Capability flags for templates (menus and buttons); the views still decide."""
    user = getattr(request, "user", None)
    user_roles = policy.roles_of(user)
    return {
        "user_roles": user_roles,
        "is_coordinator": policy.Role.COORDINATOR in user_roles,
        "is_manager": policy.Role.MANAGER in user_roles,
        "is_funder": policy.Role.FUNDER in user_roles,
        "is_association_admin": policy.Role.ADMIN in user_roles,
    }
