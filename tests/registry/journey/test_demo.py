"""The demo set-up gives a clinic its consent documents and bookable hours, once."""

from spinereg.registry.consent.models import ConsentDocument
from spinereg.registry.journey.demo import journey_demo_setup
from spinereg.registry.journey.models import AvailabilityTemplate
from spinereg.registry.journey.selectors import clinics_taking_bookings


def test_the_demo_clinic_takes_bookings_and_has_consent_documents(clinic_world):
    for _ in range(2):
        journey_demo_setup(
            clinic=clinic_world.north,
            physician=clinic_world.physician,
            actor=clinic_world.coordinator,
            today=clinic_world.today,
        )
    assert AvailabilityTemplate.objects.filter(clinic=clinic_world.north).count() == 5
    assert list(clinics_taking_bookings()) == [clinic_world.north]
    languages = ConsentDocument.objects.filter(clinic=clinic_world.north).values_list(
        "language", flat=True
    )
    assert sorted(languages) == ["en", "es"]
