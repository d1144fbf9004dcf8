"""Template context shared by every page: which navigation links the user may follow."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from spinereg.registry.access import holds_role, is_researcher
from spinereg.registry.accounts.models import CLINICAL_ROLES


def navigation_flags(user: Any) -> dict[str, bool]:
    return {"staff": holds_role(user, CLINICAL_ROLES), "research": is_researcher(user)}


def navigation(request: HttpRequest) -> dict[str, Any]:
    """`nav.staff` / `nav.research` in every template; lazy, so a page that never shows the
    navigation (public and patient pages) makes no query for it."""
    return {"nav": SimpleLazyObject(lambda: navigation_flags(request.user))}
