from typing import Any

from django.http import HttpRequest

from samordning import policy


def roles(request: HttpRequest) -> dict[str, Any]:
    """What the user may do, for templates (menus and buttons); the views still decide.

    `can.PARTICIPANT_VIEW` etc. answer from the policy; the role flags name the
    roles for the start page's sections."""
    user = getattr(request, "user", None)
    user_roles = policy.roles_of(user)
    return {
        "can": policy.capabilities(user_roles),
        "user_roles": user_roles,
        "is_coordinator": policy.Role.COORDINATOR in user_roles,
        "is_manager": policy.Role.MANAGER in user_roles,
        "is_funder": policy.Role.FUNDER in user_roles,
        "is_association_admin": policy.Role.ADMIN in user_roles,
    }
