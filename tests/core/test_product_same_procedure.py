"""The same-surgical-procedure checklist: each qualifying fact is met, broken (flagged) or not
yet recorded, from the day's records."""

from dataclasses import replace
from datetime import date

import pytest

from spinereg.core.product.same_procedure import (
    HOMOLOGOUS_USE_NOTE,
    ItemStatus,
    SameProcedureFacts,
    is_flagged,
    same_procedure_checklist,
)

DAY = date(2026, 3, 2)
QUALIFYING = SameProcedureFacts(
    harvest_date=DAY,
    injection_dates=[DAY, DAY],
    identity_confirmed=True,
    injected_after_expiry=False,
    centrifugation_only=True,
    culture_or_expansion=False,
    added_agents="",
    spins=2,
)


def _status(facts) -> dict[str, ItemStatus]:
    return {item.code: item.status for item in same_procedure_checklist(facts)}


def test_a_qualifying_day_meets_every_fact_and_is_not_flagged():
    items = same_procedure_checklist(QUALIFYING)
    assert {item.status for item in items} == {ItemStatus.MET}
    assert not is_flagged(items)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"identity_confirmed": False}, "autologous"),
        ({"injection_dates": [DAY, date(2026, 3, 3)]}, "same_procedure"),
        ({"injected_after_expiry": True}, "same_procedure"),
        ({"centrifugation_only": False}, "centrifugation_only"),
        ({"spins": 0}, "centrifugation_only"),
        ({"culture_or_expansion": True}, "no_culture"),
        ({"added_agents": "hyaluronic acid"}, "no_added_agents"),
    ],
)
def test_a_record_that_breaks_a_fact_flags_the_procedure(change, code):
    items = same_procedure_checklist(replace(QUALIFYING, **change))
    broken = [item for item in items if item.status is ItemStatus.BROKEN]
    assert [item.code for item in broken] == [code]
    assert is_flagged(items)


def test_the_broken_fact_says_what_broke_it():
    items = same_procedure_checklist(
        replace(QUALIFYING, injection_dates=[date(2026, 3, 3)], added_agents=" PRP ")
    )
    messages = {item.code: item.message for item in items}
    assert messages["same_procedure"] == "harvested 2026-03-02 but injected 2026-03-03"
    assert messages["no_added_agents"] == "added: PRP"


def test_facts_not_yet_recorded_are_not_flags():
    pending = SameProcedureFacts(
        harvest_date=DAY,
        injection_dates=[],
        identity_confirmed=None,
        injected_after_expiry=None,
        centrifugation_only=None,
        culture_or_expansion=None,
        added_agents=None,
        spins=None,
    )
    items = same_procedure_checklist(pending)
    assert {item.status for item in items} == {ItemStatus.NOT_RECORDED}
    assert not is_flagged(items)


def test_homologous_use_is_stated_not_claimed():
    assert "non-homologous" in HOMOLOGOUS_USE_NOTE
    assert "homologous" not in _status(QUALIFYING)
