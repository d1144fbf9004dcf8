"""Two people can never hold the same seat, even when they ask at the same moment: threads on
separate PostgreSQL connections request the same slot together. Only the unique index can make
this safe; an application-level "is it free?" read would let both through.

Runs in the PostgreSQL pass (`make test-postgres`); SQLite serialises writers anyway."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from spinereg.registry.journey.models import Booking
from spinereg.registry.patients.models import PatientIdentity
from tests.registry.journey.helpers import FIRST_SLOT, book, weekday_hours

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent connections"
)

PEOPLE = 6


def _request_together(world, people: int) -> tuple[list[Booking], list[str]]:
    barrier = threading.Barrier(people)
    booked: list[Booking] = []
    refused: list[str] = []
    lock = threading.Lock()

    def request(position: int) -> None:
        try:
            barrier.wait(timeout=30)
            booking = book(
                world,
                FIRST_SLOT,
                email=f"person{position}@example.org",
                given_name=f"Person{position}",
                birth_date=date(1970 + position, 1, 1),
            )
            with lock:
                booked.append(booking)
        except ValidationError as error:
            with lock:
                refused.append(error.error_dict["slot"][0].code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request, args=(n,)) for n in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return booked, refused


def test_simultaneous_requests_for_one_seat_book_exactly_one(transactional_db, clinic_world):
    weekday_hours(clinic_world, capacity=1)
    booked, refused = _request_together(clinic_world, PEOPLE)
    assert len(booked) == 1
    assert sorted(set(refused)) == ["slot_taken"]
    assert len(refused) == PEOPLE - 1
    rows = Booking.objects.filter(starts_at=FIRST_SLOT, status="booked")
    assert rows.count() == 1
    # The refused requests left no patient behind: each request is one transaction.
    assert PatientIdentity.objects.filter(email__startswith="person").count() == 1


def test_simultaneous_requests_fill_a_shared_slot_to_capacity(transactional_db, clinic_world):
    weekday_hours(clinic_world, capacity=2)
    booked, refused = _request_together(clinic_world, PEOPLE)
    assert len(booked) == 2
    assert len(refused) == PEOPLE - 2
    seats = sorted(
        Booking.objects.filter(starts_at=FIRST_SLOT, status="booked").values_list("seat", flat=True)
    )
    assert seats == [1, 2]
