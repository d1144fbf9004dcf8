"""Free slots come from the weekly hours, minus closed exceptions, plus extra hours, in the
clinic's own time zone, and never in the past."""

from datetime import UTC, date, datetime, time

from spinereg.registry.journey.models import AvailabilityException, AvailabilityTemplate
from spinereg.registry.journey.slots import parse_slot_key, slots_for
from tests.registry.journey.helpers import NOW, book, weekday_hours


def _starts(slots):
    return [slot.starts_at.strftime("%a %H:%M") for slot in slots]


def test_weekly_hours_give_half_hour_slots_on_weekdays_only(bookable):
    slots = slots_for(bookable.north, first=date(2026, 11, 2), days=7, now=NOW)
    assert len(slots) == 5 * 6  # Monday to Friday, 09:00–12:00 every 30 minutes
    assert _starts(slots)[:2] == ["Mon 09:00", "Mon 09:30"]
    assert _starts(slots)[-1] == "Fri 11:30"


def test_slots_already_started_are_not_offered(bookable):
    late_morning = datetime(2026, 11, 2, 10, 15, tzinfo=UTC)
    slots = slots_for(bookable.north, first=date(2026, 11, 2), days=1, now=late_morning)
    assert _starts(slots) == ["Mon 10:30", "Mon 11:00", "Mon 11:30"]


def test_a_closed_day_and_closed_hours_remove_their_slots(bookable):
    AvailabilityException.objects.create(
        clinic=bookable.north, physician=bookable.physician, date=date(2026, 11, 3), kind="closed"
    )
    AvailabilityException.objects.create(
        clinic=bookable.north,
        physician=bookable.physician,
        date=date(2026, 11, 4),
        kind="closed",
        start_time=time(9, 15),
        end_time=time(10, 0),
    )
    slots = slots_for(bookable.north, first=date(2026, 11, 3), days=2, now=NOW)
    assert _starts(slots) == ["Wed 10:00", "Wed 10:30", "Wed 11:00", "Wed 11:30"]


def test_extra_hours_add_slots_with_their_own_length(bookable):
    AvailabilityException.objects.create(
        clinic=bookable.north,
        physician=bookable.physician,
        date=date(2026, 11, 7),  # Saturday
        kind="extra",
        start_time=time(14),
        end_time=time(15),
        slot_minutes=20,
    )
    slots = slots_for(bookable.north, first=date(2026, 11, 7), days=1, now=NOW)
    assert _starts(slots) == ["Sat 14:00", "Sat 14:20", "Sat 14:40"]


def test_a_full_slot_is_left_out_and_a_shared_one_counts_its_seats(clinic_world, mailoutbox):
    weekday_hours(clinic_world, capacity=2)
    book(clinic_world)
    first = slots_for(clinic_world.north, first=date(2026, 11, 2), days=1, now=NOW)[0]
    assert (first.capacity, first.booked, first.free_seats) == (2, 1, 1)
    book(clinic_world, email="ben@example.org", given_name="Ben")
    remaining = slots_for(clinic_world.north, first=date(2026, 11, 2), days=1, now=NOW)
    assert _starts(remaining)[0] == "Mon 09:30"


def test_wall_clock_hours_are_the_clinics_across_daylight_saving(clinic_world):
    """New York: 09:00 is 14:00 UTC in winter and 13:00 UTC in summer."""
    clinic_world.north.timezone = "America/New_York"
    clinic_world.north.save()
    AvailabilityTemplate.objects.create(
        clinic=clinic_world.north,
        physician=clinic_world.physician,
        weekday=0,
        start_time=time(9),
        end_time=time(9, 30),
        valid_from=date(2026, 1, 1),
    )
    winter = slots_for(clinic_world.north, first=date(2026, 11, 9), days=1, now=NOW)
    summer = slots_for(clinic_world.north, first=date(2027, 6, 7), days=1, now=NOW)
    assert winter[0].starts_at == datetime(2026, 11, 9, 14, 0, tzinfo=UTC)
    assert summer[0].starts_at == datetime(2027, 6, 7, 13, 0, tzinfo=UTC)


def test_a_template_outside_its_validity_offers_nothing(clinic_world):
    AvailabilityTemplate.objects.create(
        clinic=clinic_world.north,
        physician=clinic_world.physician,
        weekday=0,
        start_time=time(9),
        end_time=time(10),
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 10, 31),
    )
    assert slots_for(clinic_world.north, first=date(2026, 11, 2), days=7, now=NOW) == []


def test_a_slot_key_round_trips_and_rejects_garbage(bookable):
    slot = slots_for(bookable.north, first=date(2026, 11, 2), days=1, now=NOW)[0]
    assert parse_slot_key(slot.key) == (bookable.physician.pk, slot.starts_at)
    assert parse_slot_key("x@2026-11-02T09:00:00+00:00") is None
    assert parse_slot_key("3@not-a-time") is None
    assert parse_slot_key("3@2026-11-02T09:00:00") is None  # naive: no time zone
