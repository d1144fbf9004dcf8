"""Rows of the procedure day that the episodes app does not hold. The harvest, processing,
composition, product and injection rows stay in `episodes` (a bulk loader writes them); what is
here hangs off the episode, so the audit layer finds the patient and the signature lock through
the `episode` link like any other clinical record.

A processing protocol keeps its process values as columns and its acceptance ranges as a JSON
list checked by `spinereg.core.product.protocol.parse_acceptance_rules` (see that module for the
shape): a clinic adds a range on any catalogued quantity without a migration."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from spinereg.core.errors import RuleViolation
from spinereg.core.product.identity import REFUSAL_LABELS, Refusal
from spinereg.core.product.protocol import parse_acceptance_rules
from spinereg.core.vocabulary import Side, choices
from spinereg.registry.accounts.models import Clinic
from spinereg.registry.episodes.models import Episode, Harvest


class ProcessingProtocol(models.Model):
    """One version of a clinic's protocol. Versions are never edited: a change is a new version
    whose `effective_from` closes the previous one (`effective_to`, exclusive)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="protocols")
    name = models.CharField(max_length=100)
    version = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Exclusive.")
    harvest_site = models.CharField(
        max_length=25, choices=Harvest.Site.choices, default=Harvest.Site.POSTERIOR_ILIAC_CREST
    )
    harvest_side = models.CharField(
        max_length=10, choices=choices(Side), blank=True, help_text="Empty: either side."
    )
    syringe_volume_ml = models.FloatField(
        "syringe size (mL)", null=True, blank=True, validators=[MinValueValidator(0.1)]
    )
    pulls_per_side = models.PositiveSmallIntegerField(null=True, blank=True)
    needle_gauge = models.PositiveSmallIntegerField("harvest needle (G)", null=True, blank=True)
    anticoagulant = models.CharField(max_length=40)
    anticoagulant_volume_ml = models.FloatField(
        "anticoagulant (mL)", null=True, blank=True, validators=[MinValueValidator(0)]
    )
    processing_system = models.CharField(max_length=100)
    g_force = models.PositiveIntegerField("g-force (× g)", null=True, blank=True)
    spin_minutes = models.FloatField(
        "minutes per spin", null=True, blank=True, validators=[MinValueValidator(0.1)]
    )
    spins = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    target_aspirate_volume_ml = models.FloatField(
        "target aspirate (mL)", null=True, blank=True, validators=[MinValueValidator(0.1)]
    )
    target_concentrate_volume_ml = models.FloatField(
        "target concentrate (mL)", null=True, blank=True, validators=[MinValueValidator(0.1)]
    )
    shelf_life_minutes = models.PositiveIntegerField(
        "product shelf life after harvest (min)", validators=[MinValueValidator(1)]
    )
    acceptance_rules = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clinic", "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "name", "version"], name="protocol_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def clean(self) -> None:
        try:
            parse_acceptance_rules(self.acceptance_rules)
        except RuleViolation as violation:
            raise ValidationError(
                {"acceptance_rules": ValidationError(str(violation), code=violation.rule)}
            ) from None
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValidationError(
                {
                    "effective_to": ValidationError(
                        "A version ends after it starts.", code="after_effective_from"
                    )
                }
            )


class ProcedureDay(models.Model):
    """The procedure day of a BMAC episode: the protocol version in force, the harvest technique
    beyond the episodes' harvest row, the lots, and the same-surgical-procedure attestations."""

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="procedure_day")
    protocol = models.ForeignKey(
        ProcessingProtocol, on_delete=models.PROTECT, related_name="procedure_days"
    )
    syringe_volume_ml = models.FloatField(
        "syringe size (mL)", null=True, blank=True, validators=[MinValueValidator(0.1)]
    )
    pull_count = models.PositiveSmallIntegerField(
        "number of pulls", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    needle_gauge = models.PositiveSmallIntegerField("harvest needle (G)", null=True, blank=True)
    anticoagulant_lot_number = models.CharField(max_length=60, blank=True)
    # Same-surgical-procedure facts attested by the technician; None: not yet recorded.
    centrifugation_only = models.BooleanField(null=True, blank=True)
    culture_or_expansion = models.BooleanField(null=True, blank=True)
    # Recorded with the attestations above (so "not recorded" is centrifugation_only=None).
    added_agents = models.CharField(
        max_length=200,
        blank=True,
        help_text="Agents added to the product besides the anticoagulant; empty: none.",
    )
    post_procedure_protocol = models.TextField(blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Procedure day of episode {self.episode_id}"


class QcEvaluation(models.Model):
    """One evaluation of the product against the protocol; the latest is the one in force.
    Rows are appended, never changed, so the history shows what was known when."""

    class Trigger(models.TextChoices):
        PROCESSING = "processing", "Processing recorded"
        CORRECTION = "correction", "Record corrected"
        INJECTION = "injection", "Injection"

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="qc_evaluations")
    protocol = models.ForeignKey(ProcessingProtocol, on_delete=models.PROTECT, related_name="+")
    trigger = models.CharField(max_length=12, choices=Trigger.choices)
    evaluated_at = models.DateTimeField()
    results = models.JSONField(default=list)
    deviation_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-evaluated_at", "-pk"]

    def __str__(self) -> str:
        return f"QC {self.evaluated_at:%Y-%m-%d %H:%M} · {self.deviation_count} deviation(s)"

    @property
    def deviations(self) -> list[dict[str, object]]:
        return [result for result in self.results if result["status"] == "deviation"]


class DeviationAcknowledgement(models.Model):
    """A physician's acknowledgement of one deviation, bound to the value it saw: a changed
    value is a new deviation and needs a new acknowledgement."""

    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="deviation_acknowledgements"
    )
    quantity = models.CharField(max_length=60)
    observed = models.JSONField(null=True)
    rule = models.CharField(max_length=200)
    comment = models.TextField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField()

    class Meta:
        ordering = ["acknowledged_at", "pk"]

    def __str__(self) -> str:
        return f"{self.quantity} acknowledged by {self.acknowledged_by}"


REFUSAL_CHOICES = [(refusal.value, REFUSAL_LABELS[refusal]) for refusal in Refusal]


class IdentityCheck(models.Model):
    """A wristband and a product label scanned (or typed) together, and the verdict."""

    class Channel(models.TextChoices):
        PAGE = "page", "Procedure-day page"
        API = "api", "API"
        SERVICE = "service", "Service call"

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="identity_checks")
    wristband = models.CharField(max_length=60)
    product_code = models.CharField(max_length=40)
    accepted = models.BooleanField()
    refusal = models.CharField(max_length=30, choices=REFUSAL_CHOICES, blank=True)
    message = models.CharField(max_length=200)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["-checked_at", "-pk"]

    def __str__(self) -> str:
        return f"{'accepted' if self.accepted else self.refusal} {self.checked_at:%H:%M}"


class SafetyEvent(models.Model):
    """A refused chain-of-identity check: a near miss the clinic's administrators review."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="safety_events")
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="safety_events")
    identity_check = models.OneToOneField(
        IdentityCheck, on_delete=models.PROTECT, related_name="safety_event"
    )
    kind = models.CharField(max_length=30, choices=REFUSAL_CHOICES)
    description = models.TextField()
    occurred_at = models.DateTimeField(db_index=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class ProcedureSignature(models.Model):
    """The physician's signature of the procedure note (21 CFR 11.50, 11.70): printed name,
    time, meaning, and the SHA-256 of the records as signed, so a later change is visible."""

    class Meaning(models.TextChoices):
        AUTHORSHIP = "authorship", "Authorship: I performed and recorded this procedure"
        REVIEW = "review", "Review: I reviewed these records"
        APPROVAL = "approval", "Approval: I approve these records"
        RESPONSIBILITY = "responsibility", "Responsibility: I take responsibility for them"

    episode = models.OneToOneField(
        Episode, on_delete=models.CASCADE, related_name="procedure_signature"
    )
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    printed_name = models.CharField(max_length=200)
    meaning = models.CharField(max_length=20, choices=Meaning.choices)
    signed_at = models.DateTimeField()
    record_sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.printed_name} · {self.meaning} · {self.signed_at:%Y-%m-%d %H:%M}"
