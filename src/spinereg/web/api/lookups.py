"""Record lookups for the API, all through the access chokepoint: forbidden looks like missing."""

from typing import Any, cast

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from spinereg.registry.access import episodes_visible_to, patients_visible_to
from spinereg.registry.accounts.models import User
from spinereg.registry.episodes.models import Episode
from spinereg.registry.patients.models import Patient


def patient_or_404(request: HttpRequest, patient_id: int) -> Patient:
    return get_object_or_404(
        patients_visible_to(request.user).select_related("identity"), pk=patient_id
    )


def episode_or_404(request: HttpRequest, episode_id: int) -> Episode:
    return get_object_or_404(
        episodes_visible_to(request.user).select_related("patient", "clinic"), pk=episode_id
    )


def optional_episode(request: HttpRequest, episode_id: int | None) -> Any:
    return None if episode_id is None else episode_or_404(request, episode_id)


def acting_user(request: HttpRequest) -> User:
    """The authenticated user of an API call (every operation requires authentication)."""
    return cast(User, request.user)
