"""Writes of the patient journey. Each validates, saves and audits in one transaction; e-mails
wait for the commit. Public writes (a visitor booking, a patient answering the pre-screen from
their signed link) are audited with no actor and say so in the reason."""

from spinereg.registry.journey.services.availability import (
    availability_exception_create,
    availability_exception_delete,
    availability_template_create,
    availability_template_delete,
)
from spinereg.registry.journey.services.booking import (
    booking_cancel,
    booking_request_public,
    booking_reschedule,
)
from spinereg.registry.journey.services.candidacy import (
    candidacy_decide,
    clinic_alert_acknowledge,
    prescreen_submit,
)

__all__ = [
    "availability_exception_create",
    "availability_exception_delete",
    "availability_template_create",
    "availability_template_delete",
    "booking_cancel",
    "booking_request_public",
    "booking_reschedule",
    "candidacy_decide",
    "clinic_alert_acknowledge",
    "prescreen_submit",
]
