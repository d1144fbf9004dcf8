"""Shared set-up of the journey tests: North's physician sees people Monday to Friday,
09:00–12:00 in 30-minute slots (clinic time UTC), and a clock frozen on Monday 2 November 2026
at 08:00, before the first slot of the day."""

from datetime import UTC, date, datetime, time

from spinereg.registry.journey.models import AvailabilityTemplate
from spinereg.registry.journey.services import booking_request_public

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # Monday
FIRST_SLOT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BASE_URL = "http://testserver/"

# A 45-year-old with 12 months of back-dominant low back pain and no red flag: every rule of the
# engine that the pre-screen can answer is met (tests/core/test_candidacy_rules.py::ELIGIBLE).
ELIGIBLE_ANSWERS = {
    "pain_location": "low_back",
    "pain_duration_months": 12,
    "pain_predominance": "back",
    "conservative_care_months": 8,
    "physical_therapy": True,
    "epidural_done": False,
    "facet_block_done": False,
    "rfa_done": False,
    "spine_surgery": False,
    "disc_cell_therapy": False,
    "mri_done": "yes",
    "fever_or_infection": False,
    "cancer_recent": False,
    "bowel_bladder_change": False,
    "progressive_weakness": False,
    "unexplained_weight_loss": False,
    "anticoagulants": False,
    "pregnant_or_breastfeeding": False,
}
NRS_7 = {"nrs": 7}
ODI_44 = {f"section-{n}": value for n, value in enumerate([3, 2, 2, 3, 2, 2, 2, 2, 2, 2], 1)}


def weekday_hours(world, *, capacity: int = 1, clinic=None, physician=None, slot_minutes=30):
    clinic = clinic or world.north
    for weekday in range(5):
        AvailabilityTemplate.objects.create(
            clinic=clinic,
            physician=physician or world.physician,
            weekday=weekday,
            start_time=time(9),
            end_time=time(12),
            slot_minutes=slot_minutes,
            capacity=capacity,
            valid_from=date(2026, 1, 1),
        )


def book(world, starts_at=FIRST_SLOT, *, email="ana@example.org", now=NOW, **overrides):
    fields = {
        "clinic": world.north,
        "physician_id": world.physician.pk,
        "starts_at": starts_at,
        "given_name": "Ana",
        "family_name": "Núñez",
        "birth_date": date(1981, 5, 20),
        "email": email,
        "base_url": BASE_URL,
        "language": "en",
        "now": now,
    }
    fields.update(overrides)
    return booking_request_public(**fields)
