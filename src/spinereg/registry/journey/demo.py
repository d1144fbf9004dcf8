"""Demo set-up of the journey for `spinereg demo`: the clinic's default consent documents and
weekday consultation hours for one physician, so the public booking page has times to offer.
Safe to run again."""

from datetime import date, time

from django.db import transaction

from spinereg.registry.accounts.models import Clinic, User
from spinereg.registry.consent.services import consent_defaults_ensure
from spinereg.registry.journey.models import AvailabilityTemplate
from spinereg.registry.journey.services import availability_template_create


def journey_demo_setup(*, clinic: Clinic, physician: User, actor: User, today: date) -> None:
    """`actor` needs a scheduling role in the clinic (the demo coordinator)."""
    with transaction.atomic():
        consent_defaults_ensure(clinic=clinic, effective_date=today, actor=actor)
        if AvailabilityTemplate.objects.filter(clinic=clinic).exists():
            return
        for weekday in range(5):
            availability_template_create(
                clinic=clinic,
                physician=physician,
                weekday=weekday,
                start_time=time(9),
                end_time=time(12),
                slot_minutes=30,
                valid_from=today,
                actor=actor,
            )
