"""E-mails of the journey, sent after the transaction commits: the booking confirmation (with
an iCalendar attachment and the signed link to manage the booking), its cancellation and
rescheduling, and the clinic's red-flag alert. Patients get them in their language; the alert
to staff carries no clinical detail, only a link to the clinic's alert list."""

from datetime import datetime

from django.core.mail import EmailMessage, send_mail
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from spinereg.registry.accounts.models import Membership, Role
from spinereg.registry.journey.ical import consultation_event
from spinereg.registry.journey.links import booking_token
from spinereg.registry.journey.models import Booking, ClinicAlert
from spinereg.registry.journey.slots import clinic_zone

ICS_NAME = "consultation.ics"
ICS_TYPE = "text/calendar; charset=utf-8"


def manage_url(base_url: str, booking: Booking) -> str:
    return base_url.rstrip("/") + reverse("public-booking", args=[booking_token(booking.pk)])


def _local(booking: Booking, moment: datetime) -> str:
    local = moment.astimezone(clinic_zone(booking.clinic))
    return formats.date_format(local, "DATETIME_FORMAT") + f" ({booking.clinic.timezone})"


def booking_ics(booking: Booking, *, link: str, cancelled: bool = False) -> str:
    return consultation_event(
        uid=f"spinereg-booking-{booking.pk}@{booking.clinic.code}",
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        summary=_("Consultation about BMAC for the spine — %(clinic)s")
        % {"clinic": booking.clinic.name},
        location=booking.clinic.name,
        description=_("Manage or cancel this booking: %(link)s") % {"link": link},
        stamp=timezone.now(),
        cancelled=cancelled,
        sequence=1 if cancelled else 0,
    )


def _recipient(booking: Booking) -> str:
    return booking.patient.identity.email


def send_booking_confirmation(
    booking_id: int, base_url: str, replaced_id: int | None = None
) -> None:
    booking = Booking.objects.select_related("clinic", "patient__identity").get(pk=booking_id)
    link = manage_url(base_url, booking)
    with translation.override(booking.language):
        subject = (
            _("Your consultation has been moved: %(when)s")
            if replaced_id
            else _("Your consultation request: %(when)s")
        ) % {"when": _local(booking, booking.starts_at)}
        body = "\n\n".join(
            [
                _("Your consultation at %(clinic)s is booked for %(when)s.")
                % {"clinic": booking.clinic.name, "when": _local(booking, booking.starts_at)},
                _(
                    "Before the consultation, please answer the short pre-screen. You can also "
                    "cancel or change the time. Use this personal link (do not share it):"
                )
                + f"\n{link}",
                _(
                    "BMAC for the spine is investigational. The consultation is to decide with "
                    "a physician whether it could fit you; it is not a promise of treatment or "
                    "of benefit."
                ),
            ]
        )
        message = EmailMessage(subject, body, to=[_recipient(booking)])
        message.attach(ICS_NAME, booking_ics(booking, link=link), ICS_TYPE)
        if replaced_id is not None:
            old = Booking.objects.select_related("clinic").get(pk=replaced_id)
            message.attach("cancelled.ics", booking_ics(old, link=link, cancelled=True), ICS_TYPE)
        message.send()


def send_booking_cancellation(booking_id: int, base_url: str) -> None:
    booking = Booking.objects.select_related("clinic", "patient__identity").get(pk=booking_id)
    with translation.override(booking.language):
        subject = _("Your consultation has been cancelled: %(when)s") % {
            "when": _local(booking, booking.starts_at)
        }
        body = _(
            "Your consultation at %(clinic)s on %(when)s is cancelled. You can request a new "
            "one at any time: %(url)s"
        ) % {
            "clinic": booking.clinic.name,
            "when": _local(booking, booking.starts_at),
            "url": base_url.rstrip("/") + reverse("public-clinics"),
        }
        message = EmailMessage(subject, body, to=[_recipient(booking)])
        link = manage_url(base_url, booking)
        message.attach(ICS_NAME, booking_ics(booking, link=link, cancelled=True), ICS_TYPE)
        message.send()


def send_red_flag_alert(alert_id: int, base_url: str) -> None:
    """Tell the clinic's physicians and coordinators that an alert is waiting."""
    alert = ClinicAlert.objects.select_related("clinic").get(pk=alert_id)
    recipients = sorted(
        {
            email
            for email in Membership.objects.filter(
                clinic=alert.clinic, role__in=(Role.PHYSICIAN, Role.COORDINATOR)
            ).values_list("user__email", flat=True)
            if email
        }
    )
    if not recipients:
        return
    link = base_url.rstrip("/") + reverse("journey-alerts")
    send_mail(
        f"[spinereg] Red flag on a pre-screen at {alert.clinic.name}",
        "A patient's pre-screen reported a red flag and the patient was told to seek medical "
        f"care now. Please follow it up today: {link}\n\n(No clinical details are sent by "
        "e-mail.)",
        None,
        recipients,
    )
