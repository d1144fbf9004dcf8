"""What a researcher may read: aggregates and de-identified rows of their clinics."""

from collections.abc import Iterator
from typing import Any

from django.db.models import Count, QuerySet

from spinereg.interop.deidentify import safe_harbor_age
from spinereg.registry.access import research_clinic_ids
from spinereg.registry.episodes.models import Episode
from spinereg.registry.outcomes.models import QuestionnaireResponse, ResponseStatus


def research_episodes(user: Any) -> QuerySet[Episode]:
    return Episode.objects.filter(clinic_id__in=research_clinic_ids(user))


def research_summary(user: Any) -> list[dict[str, Any]]:
    """Episodes by condition and treatment: counts only."""
    return list(
        research_episodes(user)
        .values("condition", "kind")
        .annotate(episodes=Count("pk"), patients=Count("patient", distinct=True))
        .order_by("condition", "kind")
    )


def deidentified_outcomes(user: Any) -> Iterator[dict[str, Any]]:
    """One row per scored response: pseudonym, sex, age at index (capped), treatment,
    condition, visit, days from index and the score. No names, MRNs, contacts or dates."""
    rows = (
        QuestionnaireResponse.objects.filter(
            episode__in=research_episodes(user),
            status=ResponseStatus.COMPLETE,
            episode__index_date__isnull=False,
        )
        .values_list(
            "patient__pseudonym",
            "patient__sex",
            "patient__birth_year",
            "episode_id",
            "episode__kind",
            "episode__condition",
            "episode__index_date",
            "instrument_id",
            "timepoint",
            "days_from_index",
            "value",
        )
        .order_by("patient__pseudonym", "episode_id", "days_from_index")
    )
    for (
        pseudonym,
        sex,
        birth_year,
        episode_id,
        kind,
        condition,
        index_date,
        instrument,
        timepoint,
        days,
        value,
    ) in rows.iterator(chunk_size=5000):
        assert index_date is not None  # the query keeps only dated episodes
        yield {
            "patient": pseudonym,
            "sex": sex,
            "age_at_index": safe_harbor_age(birth_year, index_date),
            "episode": episode_id,
            "treatment": kind,
            "condition": condition,
            "instrument": instrument,
            "timepoint": timepoint,
            "days_from_index": days,
            "value": value,
        }
