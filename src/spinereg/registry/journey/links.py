"""Signed links to one booking, for a patient who has no account: manage (cancel or
reschedule), answer the pre-screen, see the result, sign the consent. The token is the booking
id signed with the site's secret key (django.core.signing, its own salt) and a timestamp, so a
forged or expired link is refused without a database read that could reveal anything."""

from django.core import signing

BOOKING_SALT = "spinereg.journey.booking"
# Long enough to answer the pre-screen before the consultation and sign the consent after it.
BOOKING_LINK_MAX_AGE_SECONDS = 120 * 24 * 3600


def booking_token(booking_id: int) -> str:
    return signing.TimestampSigner(salt=BOOKING_SALT).sign(str(booking_id))


def booking_id_from_token(token: str, max_age_seconds: int = BOOKING_LINK_MAX_AGE_SECONDS) -> int:
    """The booking id, or signing.BadSignature (forged) / signing.SignatureExpired (old)."""
    value = signing.TimestampSigner(salt=BOOKING_SALT).unsign(token, max_age=max_age_seconds)
    if not value.isdigit():
        raise signing.BadSignature("not a booking token")
    return int(value)
