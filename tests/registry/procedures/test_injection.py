"""The injection: targets, volumes and times against the day's records."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from spinereg.registry.episodes.models import Injection
from spinereg.registry.procedures import services
from spinereg.registry.procedures.models import ProcedureDay
from tests.registry.procedures.helpers import (
    HARVEST_AT,
    PROCESSING_END,
    counts,
    day_until,
    inject,
)


@pytest.fixture
def labelled(clinic_world, protocol):
    return day_until(clinic_world, "label", protocol=protocol)


def test_each_target_is_recorded_with_the_shared_details(clinic_world, labelled):
    episode = labelled
    inject(
        clinic_world,
        episode,
        episode.product.product_code,
        targets=[
            services.InjectionTarget("L4-L5", "central", 2.0),
            services.InjectionTarget("L5-S1", "central", 1.5),
        ],
    )
    rows = list(Injection.objects.filter(episode=episode).order_by("level"))
    assert [(r.level, r.volume_ml, r.guidance, r.needle_gauge, r.contrast) for r in rows] == [
        ("L4-L5", 2.0, "fluoroscopy", 22, True),
        ("L5-S1", 1.5, "fluoroscopy", 22, True),
    ]
    episode.refresh_from_db()
    assert episode.index_date == date(2026, 3, 2)  # day 0 of follow-up is the injection day
    assert ProcedureDay.objects.get(episode=episode).post_procedure_protocol.startswith("Lumbar")


@pytest.mark.parametrize(
    ("override", "field", "rule"),
    [
        (
            {"injected_at": HARVEST_AT - timedelta(minutes=5)},
            "injected_at",
            "after_harvest",
        ),
        (
            {"injected_at": PROCESSING_END - timedelta(minutes=1)},
            "injected_at",
            "after_processing",
        ),
        (
            {"targets": [services.InjectionTarget("L4-L5", "central", 7.5)]},
            "targets",
            "within_concentrate",
        ),
        (
            {"targets": [services.InjectionTarget("L4-L5", "central", -1.0)]},
            "targets.0.volume_ml",
            "positive",
        ),
        (
            {"targets": [services.InjectionTarget("C5-C6", "central", 1.0)]},
            "targets.0.level",
            "invalid_choice",
        ),
        ({"approach": "epidural"}, "approach", "invalid_choice"),
        ({"targets": []}, "targets", "required"),
        (
            {"injected_at": datetime(2026, 3, 2, 9, 40)},  # noqa: DTZ001 -- the naive time is the bad input
            "injected_at",
            "aware_datetime",
        ),
    ],
)
def test_impossible_injections_are_refused_and_inject_nothing(
    clinic_world, labelled, override, field, rule
):
    episode = labelled
    before = counts()
    with pytest.raises(ValidationError) as raised:
        inject(clinic_world, episode, episode.product.product_code, **override)
    assert raised.value.error_dict[field][0].code == rule
    after = counts()
    checks = after.pop("IdentityCheck") - before.pop("IdentityCheck")
    assert checks in (0, 1)  # an accepted check may be kept; nothing clinical is
    after.pop("AuditEntry"), before.pop("AuditEntry")
    assert after == before
    episode.product.refresh_from_db()
    assert episode.product.used_at is None


def test_the_injection_time_is_judged_against_the_label_expiry(clinic_world, labelled):
    """Checked at 12:09, one minute before the 12:10 expiry (08:10 + 240 min), but recorded
    as injected at 12:11: the product was expired when it went in."""
    episode = labelled
    with pytest.raises(ValidationError) as raised:
        inject(
            clinic_world,
            episode,
            episode.product.product_code,
            injected_at=datetime(2026, 3, 2, 12, 11, tzinfo=UTC),
            now=datetime(2026, 3, 2, 12, 9, tzinfo=UTC),
            acknowledge_deviations=True,
            acknowledgement_comment="late",
        )
    assert raised.value.error_dict["product_code"][0].code == "product_expired"
