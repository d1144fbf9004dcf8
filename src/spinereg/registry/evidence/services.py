"""Writing the literature table: loading a CSV (all rows or none) and correcting one row.

Every write goes through the audit services (record_create / record_update), so each change is
one audit entry with its before/after values and the reason; the row itself carries its source
(DOI or PMID). Only researchers and administrators (of any clinic) write the table, which is the
network's, not a clinic's.
"""

import math
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from spinereg.analytics.meta.literature import COLUMNS, read_literature
from spinereg.registry.accounts.models import Membership, Role
from spinereg.registry.audit.services import record_create, record_update
from spinereg.registry.evidence.models import LiteratureRow, validate_doi_or_pmid

KEY_FIELDS = ("study_id", "arm", "outcome", "timepoint_months", "responder_definition")
WRITER_ROLES = (Role.RESEARCHER, Role.ADMINISTRATOR)


def may_write_literature(user: Any) -> bool:
    """Researchers and administrators of any clinic; superusers (the CLI passes actor=None)."""
    if user is None:
        return True
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, role__in=WRITER_ROLES).exists()


def _require_writer(actor: Any) -> None:
    if not may_write_literature(actor):
        raise PermissionDenied("Only researchers and administrators edit the literature table.")


def _field_values(record: dict[Any, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in COLUMNS:
        value = record[column]
        if isinstance(value, float) and math.isnan(value):
            value = None
        if column == "responders" and value is not None:
            value = int(value)
        values[column] = value
    return values


def literature_load(
    csv_text: str, *, actor: Any, reason: str, file_name: str = "literature.csv"
) -> dict[str, int]:
    """Validate every row, then create new rows and update changed ones in one transaction.

    A bad file is rejected as a whole, naming the column and CSV line (`doi_or_pmid (row 7):
    ...`); nothing is saved. Returns counts: created, updated, unchanged.
    """
    _require_writer(actor)
    _require_reason(reason)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(file_name).name
        path.write_text(csv_text, encoding="utf-8")
        frame = read_literature(path)
    records = frame.to_dict("records")
    seen: dict[tuple[Any, ...], int] = {}
    for record in records:
        row = record["source_row"]
        try:
            validate_doi_or_pmid(record["doi_or_pmid"])
        except ValidationError as error:
            raise ValidationError(
                {f"doi_or_pmid (row {row})": ValidationError(error.messages[0], "doi_or_pmid")}
            ) from None
        key = tuple(record[name] for name in KEY_FIELDS)
        if key in seen:
            raise ValidationError(
                {
                    f"study_id (row {row})": ValidationError(
                        f"repeats row {seen[key]} (same study, arm, outcome, time point and "
                        "responder definition)",
                        "unique",
                    )
                }
            )
        seen[key] = row
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        for record in records:
            values = _field_values(record)
            lookup = {name: values[name] for name in KEY_FIELDS}
            existing = LiteratureRow.objects.filter(**lookup).first()
            try:
                if existing is None:
                    record_create(LiteratureRow(**values), actor=actor, reason=reason)
                    counts["created"] += 1
                    continue
                before = existing.updated_at
                updated = record_update(existing, changes=values, actor=actor, reason=reason)
                counts["updated" if updated.updated_at != before else "unchanged"] += 1
            except ValidationError as error:
                raise ValidationError(
                    {
                        f"{field} (row {record['source_row']})": messages
                        for field, messages in error.message_dict.items()
                    }
                ) from None
    return counts


def literature_row_create(values: dict[str, Any], *, actor: Any, reason: str) -> LiteratureRow:
    """Add one study row (from the researcher page or the API)."""
    _require_writer(actor)
    _require_reason(reason)
    return record_create(LiteratureRow(**values), actor=actor, reason=reason)


def literature_row_update(
    row: LiteratureRow, changes: dict[str, Any], *, actor: Any, reason: str
) -> LiteratureRow:
    """Correct one row; the audit entry keeps the before/after values and the reason."""
    _require_writer(actor)
    _require_reason(reason)
    return record_update(row, changes=changes, actor=actor, reason=reason)


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": ValidationError("a reason is required", "required")})


def literature_csv(rows: list[LiteratureRow]) -> str:
    """The table as CSV in the shared file's column order (for download and the report)."""
    frame = pd.DataFrame([{column: getattr(row, column) for column in COLUMNS} for row in rows])
    return str(frame.to_csv(index=False))


PACKAGED_LITERATURE = Path(__file__).parent / "data" / "bmac_spine_studies.csv"


def load_packaged_literature() -> dict[str, int] | None:
    """Load the packaged copy of bmac_spine_studies.csv when the table is empty (the demo)."""
    if LiteratureRow.objects.exists():
        return None
    return literature_load(
        PACKAGED_LITERATURE.read_text(encoding="utf-8"),
        actor=None,
        reason="packaged literature table (bmac_spine_studies.csv)",
        file_name=PACKAGED_LITERATURE.name,
    )
