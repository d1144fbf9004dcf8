"""The literature table: loading a CSV (all or nothing, audited), correcting a row, validation
messages naming row and column, and who may write."""

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from spinereg.core.errors import RuleViolation
from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.evidence.models import LiteratureRow
from spinereg.registry.evidence.selectors import literature_frame
from spinereg.registry.evidence.services import literature_load, literature_row_update

PACKAGED_CSV = (
    Path(__file__).parents[3] / "src/spinereg/registry/evidence/data/bmac_spine_studies.csv"
)
HEADER = PACKAGED_CSV.read_text(encoding="utf-8").splitlines()[0]


def _csv(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


ROW = (
    "demo2020,Demo,2020,J Demo,10.1000/demo.1,case_series,bmac,intradiscal,discogenic,"
    "BMAC arm,20,odi,100,12,{mean},,50,,,,,,"
)


def test_the_packaged_table_loads_and_every_row_is_audited(clinic_world):
    counts = literature_load(
        PACKAGED_CSV.read_text(encoding="utf-8"), actor=clinic_world.researcher, reason="seed"
    )
    lines = len(PACKAGED_CSV.read_text(encoding="utf-8").splitlines()) - 1
    assert counts == {"created": lines, "updated": 0, "unchanged": 0}
    assert LiteratureRow.objects.count() == lines
    entries = AuditEntry.objects.filter(model="evidence.literaturerow", action="create")
    assert entries.count() == lines
    assert set(entries.values_list("reason", flat=True)) == {"seed"}


def test_reloading_updates_changed_rows_with_before_and_after(clinic_world):
    literature_load(_csv(ROW.format(mean=30)), actor=clinic_world.researcher, reason="first")
    counts = literature_load(
        _csv(ROW.format(mean=28)), actor=clinic_world.researcher, reason="corrected mean"
    )
    assert counts == {"created": 0, "updated": 1, "unchanged": 0}
    entry = AuditEntry.objects.get(model="evidence.literaturerow", action="update")
    assert entry.before == {"mean": 30.0}
    assert entry.after["mean"] == 28.0
    assert entry.reason == "corrected mean"


def test_a_missing_source_rejects_the_whole_file_naming_row_and_column(clinic_world):
    good = ROW.format(mean=30)
    bad = ROW.format(mean=31).replace("10.1000/demo.1", "").replace("BMAC arm", "Other arm")
    with pytest.raises(ValidationError) as caught:
        literature_load(_csv(good, bad), actor=clinic_world.researcher, reason="x")
    assert "doi_or_pmid (row 3)" in caught.value.message_dict
    assert LiteratureRow.objects.count() == 0  # nothing partial


def test_a_zero_sd_is_named_and_nothing_is_saved(clinic_world):
    bad = ROW.format(mean=30).replace("12,30,,50", "12,30,0,50")
    with pytest.raises(RuleViolation, match=r"sd \(row 2\).*not > 0"):
        literature_load(_csv(bad), actor=clinic_world.researcher, reason="x")
    assert LiteratureRow.objects.count() == 0


def test_a_pmid_alone_is_a_source(clinic_world):
    row = ROW.format(mean=30).replace("10.1000/demo.1", "PMID 12345678")
    literature_load(_csv(row), actor=clinic_world.researcher, reason="x")
    assert LiteratureRow.objects.get().doi_or_pmid == "PMID 12345678"


def test_only_researchers_and_administrators_write(clinic_world):
    with pytest.raises(PermissionDenied):
        literature_load(_csv(ROW.format(mean=30)), actor=clinic_world.physician, reason="x")
    literature_load(_csv(ROW.format(mean=30)), actor=clinic_world.administrator, reason="x")
    assert LiteratureRow.objects.count() == 1


def test_a_correction_needs_a_reason_and_a_valid_source(clinic_world):
    literature_load(_csv(ROW.format(mean=30)), actor=clinic_world.researcher, reason="x")
    row = LiteratureRow.objects.get()
    with pytest.raises(ValidationError, match="reason"):
        literature_row_update(row, {"mean": 29.0}, actor=clinic_world.researcher, reason=" ")
    with pytest.raises(ValidationError) as caught:
        literature_row_update(
            row, {"doi_or_pmid": "see paper"}, actor=clinic_world.researcher, reason="typo"
        )
    assert "doi_or_pmid" in caught.value.message_dict
    assert LiteratureRow.objects.get().doi_or_pmid == "10.1000/demo.1"
    row = LiteratureRow.objects.get()
    literature_row_update(row, {"mean": 29.0}, actor=clinic_world.researcher, reason="typo")
    assert LiteratureRow.objects.get().mean == 29.0


def test_the_table_frame_has_the_csv_shape(clinic_world):
    literature_load(_csv(ROW.format(mean=30)), actor=clinic_world.researcher, reason="x")
    frame = literature_frame()
    assert frame.loc[0, "mean"] == 30.0
    assert frame["sd"].isna().all()  # not reported stays NaN, never 0


def test_the_demo_loads_the_packaged_table_once(db):
    from spinereg.registry.evidence.services import load_packaged_literature

    first = load_packaged_literature()
    assert first is not None
    assert first["created"] == LiteratureRow.objects.count() > 0
    assert load_packaged_literature() is None  # a second demo run keeps the table as it is
