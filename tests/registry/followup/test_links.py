"""A follow-up link names one schedule item through a signed token: forged, damaged, foreign or
stale tokens are refused, and a good one is usable from the window's opening until the grace
after it closes, cut before the next visit's window."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import signing

from spinereg.registry.followup.links import (
    LINK_MAX_AGE,
    LinkRefusal,
    link_check,
    link_token,
    valid_until,
)
from tests.registry.followup.helpers import at, day, item_of


def test_a_good_token_opens_its_item(episode):
    item = item_of(episode, "2wk")
    check = link_check(link_token(item.pk), now=at(day(12)))
    assert (check.item, check.refusal) == (item, None)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: "1" + token,  # item id changed
        lambda token: token.split(":")[0],  # signature cut off
        lambda token: signing.dumps("1"),  # signed by Django for another purpose
        lambda token: signing.TimestampSigner(salt="other").sign("1"),
        lambda token: "",
    ],
)
def test_a_forged_or_damaged_token_is_invalid(episode, tamper):
    token = link_token(item_of(episode, "2wk").pk)
    check = link_check(tamper(token), now=at(day(12)))
    assert (check.item, check.refusal) == (None, LinkRefusal.INVALID)


def test_a_token_for_a_deleted_item_is_invalid_like_a_forged_one(episode):
    item = item_of(episode, "2wk")
    token = link_token(item.pk)
    item.delete()
    assert link_check(token, now=at(day(12))).refusal == LinkRefusal.INVALID


def test_the_grace_ends_before_the_next_window_or_after_thirty_days():
    assert valid_until(date(2025, 3, 19), date(2025, 4, 5)) == date(2025, 4, 4)
    assert valid_until(date(2025, 6, 14), date(2025, 8, 1)) == date(2025, 7, 14)
    assert valid_until(date(2030, 5, 29), None) == date(2030, 6, 28)


def test_a_link_past_its_last_day_has_expired(episode):
    token = link_token(item_of(episode, "2wk").pk)
    assert link_check(token, now=at(day(34))).refusal is None  # late, in the grace period
    check = link_check(token, now=at(day(35)))
    assert check.refusal == LinkRefusal.EXPIRED


def test_a_token_older_than_the_hard_cap_has_expired(episode):
    item = item_of(episode, "60mo")
    with time_machine.travel(at(day(0)), tick=False):
        token = link_token(item.pk)
    later = at(day(0)) + LINK_MAX_AGE + timedelta(days=1)
    with time_machine.travel(later, tick=False):
        assert link_check(token, now=later).refusal == LinkRefusal.EXPIRED


def test_a_completed_item_says_so(episode):
    item = item_of(episode, "2wk")
    item.completed_at = at(day(11))
    item.save()
    assert link_check(link_token(item.pk), now=at(day(12))).refusal == LinkRefusal.COMPLETED


def test_a_window_not_yet_open_gives_its_opening_day(episode):
    item = item_of(episode, "6wk")
    check = link_check(link_token(item.pk), now=at(day(12)))
    assert (check.refusal, check.opens_on) == (LinkRefusal.NOT_YET_OPEN, day(35))


def test_a_withdrawn_patient_link_is_closed(clinic_world, episode):
    clinic_world.patient.withdrawn_date = day(11)
    clinic_world.patient.save()
    check = link_check(link_token(item_of(episode, "2wk").pk), now=at(day(12)))
    assert check.refusal == LinkRefusal.CLOSED
