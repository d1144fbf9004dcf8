"""What an invitation or reminder says, in the patient's language, and on which channel it goes.

Neither channel carries health information: no visit name, treatment, diagnosis or score. An
e-mail greets the patient by first name and gives the clinic's name, the link and the day the
link stops working; a text message is the clinic's name and the link, nothing else, because a
phone's lock screen shows it to whoever holds the phone."""

from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from django.conf import settings
from django.core.mail import EmailMessage
from django.template import Template
from django.template.loader import get_template
from django.utils import formats, translation

from spinereg.registry.followup.models import Channel, NotificationKind
from spinereg.registry.followup.sms import SmsMessage


@dataclass(frozen=True, slots=True)
class Destination:
    channel: str
    address: str


def destination(*, preference: str, email: str, phone: str) -> Destination | None:
    """The patient's chosen channel when its address is on record, else the other one, else
    none (the message is not sent, and the worklist says why)."""
    addresses = {Channel.EMAIL.value: email.strip(), Channel.SMS.value: phone.strip()}
    order = [preference, *(c for c in addresses if c != preference)]
    for channel in order:
        if addresses.get(channel):
            return Destination(channel, addresses[channel])
    return None


@cache
def _templates() -> tuple[Template, Template]:
    subject = get_template("followup/email_subject.txt")
    body = get_template("followup/email_body.txt")
    return subject, body  # type: ignore[return-value]  # backend templates render like Template


# Stand-ins rendered into the cached text and replaced per message; NUL never occurs in a name.
_FIRST_NAME = "\x00first_name\x00"
_LINK = "\x00link\x00"


@lru_cache(maxsize=4096)
def _rendered(
    language: str, reminder: bool, clinic_name: str, valid_until: date, greet_by_name: bool
) -> tuple[str, str]:
    """Subject and body for one kind of message, rendered once: at 100,000 invitations a pass
    the template engine would otherwise dominate, and only the name and the link differ."""
    subject_template, body_template = _templates()
    with translation.override(language):
        context = {
            "reminder": reminder,
            "first_name": _FIRST_NAME if greet_by_name else "",
            "clinic_name": clinic_name,
            "link": _LINK,
            "valid_until": formats.date_format(valid_until, "DATE_FORMAT"),
        }
        subject = subject_template.render(context).strip()  # type: ignore[arg-type]  # dict context
        body = body_template.render(context).strip() + "\n"  # type: ignore[arg-type]  # dict context
    return subject, body


def email_message(
    *,
    kind: str,
    to: str,
    first_name: str,
    clinic_name: str,
    link: str,
    valid_until: date,
    language: str,
) -> EmailMessage:
    first_name = first_name.replace("\x00", "").strip()
    subject, body = _rendered(
        language, kind != NotificationKind.INVITATION, clinic_name, valid_until, bool(first_name)
    )
    return EmailMessage(
        subject=subject,
        body=body.replace(_FIRST_NAME, first_name).replace(_LINK, link),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Auto-Submitted": "auto-generated", "Content-Language": language},
    )


def sms_message(*, to: str, clinic_name: str, link: str) -> SmsMessage:
    return SmsMessage(to=to, body=f"{clinic_name}: {link}")
