"""Form posts of the public pages."""

from spinereg.registry.journey.links import booking_token
from tests.registry.journey.helpers import ELIGIBLE_ANSWERS, FIRST_SLOT, NRS_7, ODI_44


def slot_key(world, starts_at=FIRST_SLOT):
    return f"{world.physician.pk}@{starts_at.isoformat()}"


def person(**overrides):
    fields = {
        "given_name": "Ana",
        "family_name": "Núñez",
        "birth_date": "1981-05-20",
        "email": "ana@example.org",
        "phone": "",
        "sex": "female",
    }
    fields.update(overrides)
    return fields


def prescreen_post(**overrides):
    """The eligible answers as the form posts them, plus NRS 7 and ODI 44."""
    post = {}
    for name, value in ELIGIBLE_ANSWERS.items():
        if isinstance(value, bool):
            post[name] = "yes" if value else "no"
        else:
            post[name] = str(value)
    post.update({key: str(value) for key, value in {**NRS_7, **ODI_44}.items()})
    post.update(overrides)
    return post


def links(booking):
    token = booking_token(booking.pk)
    base = f"/bmac/b/{token}/"
    return {
        "manage": base,
        "prescreen": base + "prescreen/",
        "result": base + "result/",
        "consent": base + "consent/",
        "cancel": base + "cancel/",
        "reschedule": base + "reschedule/",
        "ics": base + "consultation.ics",
    }
