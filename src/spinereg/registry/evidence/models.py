"""One row of the literature table: a published study arm x outcome x follow-up time point,
mirroring the columns of bmac_spine_studies.csv (see data/bmac_spine_studies.md). The table is
the network's, not a clinic's; every row names its source (a DOI or a PMID)."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from spinereg.analytics.meta.literature import VOCABULARY

DOI_PATTERN = re.compile(r"\b10\.\d{4,9}/\S+")
PMID_PATTERN = re.compile(r"^(PMID:?\s*)?\d{1,9}$|\bPMID:?\s*\d{1,9}\b", re.IGNORECASE)


def validate_doi_or_pmid(value: str) -> None:
    """A DOI (10.xxxx/...) or a PMID (digits, optionally written "PMID 123"); both may appear
    separated by "; " as in the shared CSV."""
    text = (value or "").strip()
    if not text or not (DOI_PATTERN.search(text) or PMID_PATTERN.search(text)):
        raise ValidationError(
            "doi_or_pmid: a source is required, a DOI (10.xxxx/...) or a PMID (digits); "
            f"got {text!r}",
            code="doi_or_pmid",
        )


def validate_positive(value: float | None) -> None:
    if value is not None and not value > 0:
        raise ValidationError(f"{value} is not > 0 (a variance must be positive)", code="positive")


def _choices(column: str) -> list[tuple[str, str]]:
    return [(value, value) for value in sorted(VOCABULARY[column])]


class LiteratureRow(models.Model):
    study_id = models.CharField(max_length=60)
    first_author = models.CharField(max_length=100)
    year = models.PositiveIntegerField()
    journal = models.CharField(max_length=200, blank=True)
    doi_or_pmid = models.CharField(max_length=200, validators=[validate_doi_or_pmid])
    design = models.CharField(max_length=30, choices=_choices("design"))
    product = models.CharField(max_length=30, choices=_choices("product"))
    target = models.CharField(max_length=20, choices=_choices("target"))
    condition = models.CharField(max_length=20, choices=_choices("condition"))
    arm = models.CharField(max_length=200)
    n = models.PositiveIntegerField()
    outcome = models.CharField(max_length=30, choices=_choices("outcome"))
    scale_max = models.FloatField(null=True, blank=True)
    timepoint_months = models.FloatField()
    mean = models.FloatField(null=True, blank=True)
    sd = models.FloatField(null=True, blank=True, validators=[validate_positive])
    baseline_mean = models.FloatField(null=True, blank=True)
    baseline_sd = models.FloatField(null=True, blank=True, validators=[validate_positive])
    change_mean = models.FloatField(null=True, blank=True)
    change_sd = models.FloatField(null=True, blank=True, validators=[validate_positive])
    responders = models.PositiveIntegerField(null=True, blank=True)
    responder_definition = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["study_id", "arm", "outcome", "timepoint_months", "responder_definition"],
                name="literature_row_unique_arm_outcome_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.study_id} {self.arm} {self.outcome} {self.timepoint_months:g} mo"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.responders is not None:
            if self.n is not None and self.responders > self.n:
                errors["responders"] = ValidationError(
                    f"{self.responders} is not a count between 0 and n = {self.n}", code="count"
                )
            if not self.responder_definition:
                errors["responder_definition"] = ValidationError(
                    "a responder count needs its definition", code="required"
                )
        if self.timepoint_months is not None and self.timepoint_months < 0:
            errors["timepoint_months"] = ValidationError("must be >= 0", code="non_negative")
        if errors:
            raise ValidationError(errors)
