"""Questionnaire responses: scored by core on save, placed in their visit window, drafts never
scored, completed responses corrected only with a reason."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.episodes.services import episode_create
from spinereg.registry.followup.models import ScheduleItem
from spinereg.registry.outcomes.models import QuestionnaireResponse
from spinereg.registry.outcomes.services import response_create, response_update

INDEX = date(2025, 3, 1)


@pytest.fixture
def episode(clinic_world, signed_consent):
    return episode_create(
        patient=clinic_world.patient,
        kind="bmac",
        condition="discogenic",
        index_date=INDEX,
        actor=clinic_world.physician,
    )


def _at(days: int) -> datetime:
    moment = datetime(INDEX.year, INDEX.month, INDEX.day, 10, tzinfo=UTC)
    return moment + timedelta(days=days)


def _odi(world, episode, answers, days=91, **kwargs):
    return response_create(
        patient=world.patient,
        episode=episode,
        instrument_id="odi-2.1a",
        answers=answers,
        completed_at=_at(days),
        mode="web",
        actor=world.coordinator,
        **kwargs,
    )


def test_an_odi_is_scored_and_placed_in_its_visit(clinic_world, episode):
    # Nine sections answered, sum 16: 100 × 16 / 45 = 35.555… (Fairbank & Pynsent's example).
    answers = {f"section-{i}": v for i, v in enumerate([2, 2, 2, 2, 2, 2, 2, 1, 1], start=1)}
    response = _odi(clinic_world, episode, answers, days=95)
    assert response.value == pytest.approx(100 * 16 / 45, rel=1e-12)
    assert (response.timepoint, response.days_from_index, response.out_of_window) == (
        "3mo",
        95,
        False,
    )
    assert response.schedule_item == ScheduleItem.objects.get(episode=episode, visit="3mo")
    assert response.instrument_version == "1.0.0"
    assert AuditEntry.objects.filter(
        model="outcomes.questionnaireresponse", object_id=str(response.pk), action="create"
    ).exists()


def test_a_response_between_windows_is_kept_and_flagged(clinic_world, episode):
    response = _odi(clinic_world, episode, {f"section-{i}": 1 for i in range(1, 11)}, days=120)
    assert response.out_of_window
    assert (response.timepoint, response.schedule_item) == ("", None)
    assert response.value == pytest.approx(20.0)


def test_an_out_of_range_answer_names_the_item_and_saves_nothing(clinic_world, episode):
    before = (QuestionnaireResponse.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as raised:
        _odi(clinic_world, episode, {"section-1": 7})
    error = raised.value.error_dict["answers.section-1"][0]
    assert error.code == "item_range"
    assert "0–5" in error.messages[0]
    assert (QuestionnaireResponse.objects.count(), AuditEntry.objects.count()) == before


def test_a_draft_is_never_scored_and_completes_later(clinic_world, episode):
    draft = _odi(clinic_world, episode, {"section-1": 3}, status="draft")
    assert (draft.status, draft.value, draft.not_scored_reason) == ("draft", None, "draft")
    answers = {f"section-{i}": 3 for i in range(1, 11)}
    response_update(draft, actor=clinic_world.coordinator, answers=answers, status="complete")
    draft.refresh_from_db()
    assert (draft.status, draft.value) == ("complete", pytest.approx(60.0))


def test_correcting_a_completed_response_needs_a_reason(clinic_world, episode):
    response = _odi(clinic_world, episode, {f"section-{i}": 1 for i in range(1, 11)})
    corrected = {f"section-{i}": 2 for i in range(1, 11)}
    with pytest.raises(ValidationError) as raised:
        response_update(
            response, actor=clinic_world.coordinator, answers=corrected, status="complete"
        )
    assert raised.value.error_dict["reason"][0].code == "reason_required"
    response_update(
        response,
        actor=clinic_world.coordinator,
        answers=corrected,
        status="complete",
        reason="transcription error on the paper form",
    )
    entry = AuditEntry.objects.filter(action="update", model="outcomes.questionnaireresponse")
    assert entry.get().before["value"] == pytest.approx(20.0)


def test_the_visit_is_completed_when_every_instrument_is_answered(clinic_world, episode):
    item = ScheduleItem.objects.get(episode=episode, visit="2wk")
    assert item.instruments == ["nrs-pain"]
    response_create(
        patient=clinic_world.patient,
        episode=episode,
        instrument_id="nrs-pain",
        answers={"nrs": 4},
        completed_at=_at(14),
        mode="phone",
        actor=clinic_world.coordinator,
    )
    item.refresh_from_db()
    assert item.completed_at == _at(14)


def test_a_double_ticked_odi_section_scores_the_higher_statement(clinic_world, episode):
    answers = {f"section-{i}": 1 for i in range(1, 11)}
    answers["section-3"] = [1, 4]
    response = _odi(clinic_world, episode, answers)
    assert response.value == pytest.approx(100 * (9 + 4) / 50)


def test_a_clinics_own_schedule_places_staff_entered_responses(clinic_world, episode):
    """Day 100 lies in the default 3-month window (77–105) but not in this clinic's narrower
    one (86–96): the clinic's schedule in force decides, not the default file."""
    import json
    from importlib import resources

    from spinereg.registry.followup.services import schedule_definition_load

    data = json.loads(
        resources.files("spinereg.core.data").joinpath("schedule_default.json").read_text()
    )
    data["version"] = "2.0"
    three_months = next(visit for visit in data["visits"] if visit["code"] == "3mo")
    three_months["window_before"] = three_months["window_after"] = 5
    schedule_definition_load(clinic=clinic_world.north, data=data, actor=None)
    response = _odi(clinic_world, episode, {f"section-{i}": 1 for i in range(1, 11)}, days=100)
    assert response.out_of_window
    assert response.timepoint == ""
    inside = _odi(clinic_world, episode, {f"section-{i}": 1 for i in range(1, 11)}, days=95)
    assert inside.timepoint == "3mo"
