"""Outcomes. A response keeps every answer and the score computed from them with the scoring
version, so a change of scoring code can be checked by re-scoring, never silently."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from spinereg.registry.episodes.models import Episode
from spinereg.registry.followup.models import ScheduleItem
from spinereg.registry.patients.models import Patient


class ResponseMode(models.TextChoices):
    PAPER = "paper", "Paper"
    PHONE = "phone", "Phone"
    CLINIC = "clinic", "In clinic"
    WEB = "web", "Web"


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    COMPLETE = "complete", "Complete"


class QuestionnaireResponse(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="responses")
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.CASCADE, related_name="responses"
    )
    schedule_item = models.ForeignKey(
        ScheduleItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    instrument_id = models.CharField(max_length=20)
    instrument_version = models.CharField(max_length=20)
    answers = models.JSONField(default=dict, help_text="linkId → numeric answer")
    value = models.FloatField(null=True, blank=True)
    subscores = models.JSONField(default=dict, blank=True)
    not_scored_reason = models.CharField(max_length=40, blank=True)
    scoring_version = models.CharField(max_length=20)
    timepoint = models.CharField(max_length=20, blank=True, help_text="Visit code")
    days_from_index = models.IntegerField(null=True, blank=True)
    out_of_window = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    mode = models.CharField(max_length=10, choices=ResponseMode.choices)
    status = models.CharField(
        max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.COMPLETE
    )

    class Meta:
        ordering = ["completed_at", "pk"]
        indexes = [models.Index(fields=["patient", "instrument_id"])]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.timepoint} = {self.value}"

    @property
    def is_locked(self) -> bool:
        """A completed response is a record of what the patient said: changes need a reason."""
        return self.status == ResponseStatus.COMPLETE


class Relatedness(models.TextChoices):
    NOT_RELATED = "not_related", "Not related"
    UNLIKELY = "unlikely", "Unlikely"
    POSSIBLE = "possible", "Possible"
    PROBABLE = "probable", "Probable"
    DEFINITE = "definite", "Definite"


class AdverseEvent(models.Model):
    """Seriousness (ICH E2A) and severity (CTCAE v5.0 grade) are separate facts."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="adverse_events")
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.CASCADE, related_name="adverse_events"
    )
    code = models.CharField(max_length=40, help_text="Catalogue code, e.g. harvest_site_pain")
    description = models.CharField(max_length=300, blank=True)
    onset_date = models.DateField()
    resolved_date = models.DateField(null=True, blank=True)
    severity_grade = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    serious = models.BooleanField(default=False)
    results_in_death = models.BooleanField(default=False)
    life_threatening = models.BooleanField(default=False)
    hospitalisation = models.BooleanField(default=False)
    disability = models.BooleanField(default=False)
    medically_important = models.BooleanField(default=False)
    related_harvest = models.CharField(
        max_length=12, choices=Relatedness.choices, default=Relatedness.NOT_RELATED
    )
    related_injection = models.CharField(
        max_length=12, choices=Relatedness.choices, default=Relatedness.NOT_RELATED
    )
    related_product = models.CharField(
        max_length=12, choices=Relatedness.choices, default=Relatedness.NOT_RELATED
    )
    related_medication = models.CharField(
        max_length=12, choices=Relatedness.choices, default=Relatedness.NOT_RELATED
    )

    class Meta:
        ordering = ["onset_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolved_date__isnull=True)
                | models.Q(resolved_date__gte=models.F("onset_date")),
                name="ae_resolved_after_onset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} grade {self.severity_grade}"
