"""Answers given through a link: a half-finished questionnaire stays a draft and is never scored
as complete, a repeated submit makes no second response, finishing every instrument completes
the visit, and the visit comes from the clinic's own schedule."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.followup.models import LinkAnswer
from spinereg.registry.followup.portal import link_answer_save, link_progress, link_trajectory
from spinereg.registry.followup.services import schedule_definition_load
from spinereg.registry.outcomes.models import QuestionnaireResponse
from tests.registry.followup.helpers import at, day, item_of, rfa_episode

ODI_ALL_THREE = {f"section-{i}": 3 for i in range(1, 11)}


def _save(item, instrument_id, answers, *, finish=True, on=None):
    return link_answer_save(
        item=item,
        instrument_id=instrument_id,
        answers=answers,
        finish=finish,
        now=on or at(item.window_start + timedelta(days=1)),
    )


def test_a_half_finished_odi_is_kept_as_an_unscored_draft(episode):
    item = item_of(episode, "6wk")
    result = _save(item, "odi-2.1a", {"section-1": 2, "section-2": 3})
    stored = QuestionnaireResponse.objects.get()
    assert (stored.status, stored.value, stored.not_scored_reason) == ("draft", None, "draft")
    assert stored.answers == {"section-1": 2, "section-2": 3}
    assert not result.is_complete
    assert link_progress(item)["odi-2.1a"] == "draft"
    item.refresh_from_db()
    assert item.completed_at is None


def test_saving_for_later_keeps_a_draft_even_when_it_would_score(episode):
    item = item_of(episode, "6wk")
    _save(item, "odi-2.1a", ODI_ALL_THREE, finish=False)
    assert QuestionnaireResponse.objects.get().status == "draft"


def test_continuing_a_draft_completes_the_same_response(episode):
    item = item_of(episode, "6wk")
    first = _save(item, "odi-2.1a", {"section-1": 3})
    finished = _save(item, "odi-2.1a", ODI_ALL_THREE)
    assert finished.response.pk == first.response.pk
    stored = QuestionnaireResponse.objects.get()
    assert (stored.status, stored.value, stored.mode) == ("complete", pytest.approx(60.0), "web")
    assert (stored.timepoint, stored.schedule_item) == ("6wk", item)


def test_a_double_submit_makes_one_response(episode):
    item = item_of(episode, "2wk")
    first = _save(item, "nrs-pain", {"nrs": 4})
    again = _save(item, "nrs-pain", {"nrs": 9})
    assert again.already_complete
    assert not first.already_complete
    assert QuestionnaireResponse.objects.count() == 1
    assert QuestionnaireResponse.objects.get().value == 4
    assert LinkAnswer.objects.count() == 1


def test_finishing_every_instrument_completes_the_visit(episode):
    item = item_of(episode, "6wk")
    for instrument_id, answers in (
        ("nrs-pain", {"nrs": 5}),
        ("vas-pain", {"vas": 48.5}),
        ("odi-2.1a", ODI_ALL_THREE),
    ):
        _save(item, instrument_id, answers)
        item.refresh_from_db()
        assert item.completed_at is None
    _save(item, "pgic", {"pgic": 2})
    item.refresh_from_db()
    assert item.completed_at is not None
    assert set(link_progress(item).values()) == {"complete"}


def test_an_instrument_the_visit_does_not_ask_for_is_refused(episode):
    with pytest.raises(ValidationError) as error:
        _save(item_of(episode, "2wk"), "odi-2.1a", ODI_ALL_THREE)
    assert error.value.error_dict["instrument_id"][0].code == "visit_instrument"
    assert not QuestionnaireResponse.objects.exists()


def test_an_out_of_range_answer_names_the_item_and_saves_nothing(episode):
    with pytest.raises(ValidationError) as error:
        _save(item_of(episode, "2wk"), "nrs-pain", {"nrs": 11})
    assert "answers.nrs" in error.value.error_dict
    assert not QuestionnaireResponse.objects.exists()
    assert not AuditEntry.objects.filter(model="outcomes.questionnaireresponse").exists()


def test_each_link_answer_is_audited_without_an_actor(episode):
    _save(item_of(episode, "2wk"), "nrs-pain", {"nrs": 4})
    entry = AuditEntry.objects.get(model="outcomes.questionnaireresponse")
    assert (entry.actor, entry.action, entry.patient_id) == (None, "create", episode.patient_id)
    assert "follow-up link" in entry.reason


def test_a_late_answer_in_the_grace_period_is_kept_out_of_window(episode):
    item = item_of(episode, "2wk")
    _save(item, "nrs-pain", {"nrs": 4}, on=at(day(25)))
    stored = QuestionnaireResponse.objects.get()
    assert (stored.out_of_window, stored.schedule_item, stored.days_from_index) == (
        True,
        None,
        25,
    )
    item.refresh_from_db()
    assert item.completed_at is None
    assert link_progress(item) == {"nrs-pain": "complete"}


def test_the_visit_comes_from_the_clinics_schedule(clinic_world):
    """A clinic whose 2-week visit is at day 21 (window 17–25): an answer on day 24 belongs to
    it, where the default schedule would call it out of window."""
    schedule_definition_load(
        clinic=clinic_world.north,
        data={
            "id": "north",
            "version": "2",
            "visits": [
                {
                    "code": "3wk",
                    "target_day": 21,
                    "window_before": 4,
                    "window_after": 4,
                    "instruments": ["nrs-pain"],
                },
            ],
        },
        actor=clinic_world.administrator,
    )
    episode = rfa_episode(clinic_world)
    item = item_of(episode, "3wk")
    assert item.schedule_version == "north/2"
    _save(item, "nrs-pain", {"nrs": 3}, on=at(day(24)))
    stored = QuestionnaireResponse.objects.get()
    assert (stored.schedule_item, stored.timepoint, stored.out_of_window) == (item, "3wk", False)
    item.refresh_from_db()
    assert item.completed_at is not None


def test_the_trajectory_holds_the_episodes_scores_only(clinic_world, episode):
    _save(item_of(episode, "2wk"), "nrs-pain", {"nrs": 7})
    _save(item_of(episode, "6wk"), "nrs-pain", {"nrs": 4})
    other = rfa_episode(clinic_world, index_date=day(400))
    _save(item_of(other, "2wk"), "nrs-pain", {"nrs": 1})
    points = link_trajectory(item_of(episode, "6wk"))
    assert [(p.instrument_id, p.visit, p.value, p.days_from_index) for p in points] == [
        ("nrs-pain", "2wk", 7, 11),
        ("nrs-pain", "6wk", 4, 36),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_make_one_response(clinic_world):
    """Two requests with the same form at the same moment (a double tap on a slow phone). On
    PostgreSQL both transactions run at once and the unique (item, instrument) row stops the
    second; SQLite serialises them. Either way: one response, and both callers get it."""
    import threading

    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's in-memory test database (shared cache) locks whole tables and fails at "
            "once instead of waiting; the demo's file database waits, and serialises writers"
        )
    episode = rfa_episode(clinic_world)
    item = item_of(episode, "2wk")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def submit(value):
        try:
            barrier.wait(timeout=10)
            results.append(_save(item_of(episode, "2wk"), "nrs-pain", {"nrs": value}))
        except Exception as error:  # reported below, with the thread's own error
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(value,)) for value in (4, 6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert QuestionnaireResponse.objects.filter(schedule_item=item).count() == 1
    assert {result.response.pk for result in results} == {QuestionnaireResponse.objects.get().pk}
    assert sorted(result.already_complete for result in results) == [False, True]
