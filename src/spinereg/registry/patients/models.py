"""Patient records. Identity and contact live in `PatientIdentity`, one-to-one: a de-identified
export is the clinical tables without that one (HIPAA Safe Harbor, 45 CFR 164.514(b)(2))."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from spinereg.core.vocabulary import (
    Condition,
    Language,
    Sex,
    Side,
    SpinalLevel,
    TreatmentKind,
    choices,
)
from spinereg.registry.accounts.models import Clinic


class Patient(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    # Random registry code, not derived from the MRN, so it may travel in research exports.
    pseudonym = models.CharField(max_length=16, unique=True)
    sex = models.CharField(max_length=10, choices=choices(Sex))
    birth_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
        help_text="Year only; the full date of birth is identity data.",
    )
    language = models.CharField(max_length=2, choices=choices(Language), default=Language.EN.value)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient_record",
        help_text="The patient's own portal account, if any.",
    )
    enrolled_date = models.DateField()
    deceased_date = models.DateField(null=True, blank=True)
    withdrawn_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["pseudonym"]

    def __str__(self) -> str:
        return self.pseudonym


class PatientIdentity(models.Model):
    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="identity")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    mrn = models.CharField("medical record number", max_length=40)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=12, blank=True)

    class Meta:
        verbose_name_plural = "patient identities"
        # The staff list is ordered by name and searched by name prefix and MRN.
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            models.Index(fields=["mrn"]),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class ImagingStudy(models.Model):
    class Modality(models.TextChoices):
        MRI = "mri", "MRI"
        CT = "ct", "CT"
        XRAY = "xray", "Radiograph"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="imaging")
    modality = models.CharField(max_length=5, choices=Modality.choices, default=Modality.MRI)
    study_date = models.DateField()
    # Set for follow-up imaging; empty for the diagnostic study.
    episode = models.ForeignKey(
        "episodes.Episode", null=True, blank=True, on_delete=models.CASCADE, related_name="imaging"
    )
    timepoint = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["study_date", "pk"]
        verbose_name_plural = "imaging studies"

    def __str__(self) -> str:
        return f"{self.get_modality_display()} {self.study_date}"


class DiscFinding(models.Model):
    """Per-level reading. Pfirrmann grades carry their scheme (5- or 8-grade, Griffith 2007):
    they are never compared across schemes."""

    class PfirrmannScheme(models.TextChoices):
        PFIRRMANN5 = "pfirrmann5", "Pfirrmann (5 grades)"
        PFIRRMANN8 = "pfirrmann8", "Modified Pfirrmann (8 grades)"

    class Modic(models.TextChoices):
        NONE = "none", "None"
        TYPE1 = "1", "Type 1"
        TYPE2 = "2", "Type 2"
        TYPE3 = "3", "Type 3"
        MIXED = "mixed", "Mixed"

    imaging = models.ForeignKey(ImagingStudy, on_delete=models.CASCADE, related_name="findings")
    level = models.CharField(max_length=6, choices=choices(SpinalLevel))
    pfirrmann_grade = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    pfirrmann_scheme = models.CharField(
        max_length=10, choices=PfirrmannScheme.choices, default=PfirrmannScheme.PFIRRMANN5
    )
    modic = models.CharField(max_length=5, choices=Modic.choices, default=Modic.NONE)
    hiz = models.BooleanField("high-intensity zone", default=False)
    hiz_location = models.CharField(max_length=10, blank=True)
    disc_height_anterior_mm = models.FloatField(null=True, blank=True)
    disc_height_middle_mm = models.FloatField(null=True, blank=True)
    disc_height_posterior_mm = models.FloatField(null=True, blank=True)
    facet_arthropathy = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["imaging", "level"], name="finding_one_per_level"),
            models.CheckConstraint(
                condition=models.Q(pfirrmann_grade__isnull=True)
                | models.Q(pfirrmann_scheme="pfirrmann8")
                | models.Q(pfirrmann_grade__lte=5),
                name="finding_pfirrmann5_max_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} Pfirrmann {self.pfirrmann_grade}"


class Diagnosis(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="diagnoses")
    condition = models.CharField(max_length=12, choices=choices(Condition))
    level = models.CharField(max_length=6, choices=choices(SpinalLevel))
    side = models.CharField(max_length=10, choices=choices(Side), default=Side.CENTRAL.value)
    diagnosed_date = models.DateField()
    confirmed_by = models.ForeignKey(
        ImagingStudy, null=True, blank=True, on_delete=models.SET_NULL, related_name="diagnoses"
    )

    class Meta:
        ordering = ["diagnosed_date", "pk"]
        verbose_name_plural = "diagnoses"

    def __str__(self) -> str:
        return f"{self.get_condition_display()} {self.level}"


class ConservativeCare(models.Model):
    class Kind(models.TextChoices):
        PHYSICAL_THERAPY = "physical_therapy", "Physical therapy"
        MEDICATION = "medication", "Medication"
        EXERCISE = "exercise", "Home exercise"
        CHIROPRACTIC = "chiropractic", "Chiropractic / manual therapy"
        OTHER = "other", "Other"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="conservative_care")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.CharField(max_length=200, blank=True)
    start_date = models.DateField()
    duration_weeks = models.PositiveSmallIntegerField()
    supervised = models.BooleanField(default=False)

    class Meta:
        ordering = ["start_date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.duration_weeks} wk)"


class PriorProcedure(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="prior_procedures")
    kind = models.CharField(max_length=20, choices=choices(TreatmentKind))
    level = models.CharField(max_length=6, choices=choices(SpinalLevel), blank=True)
    side = models.CharField(max_length=10, choices=choices(Side), blank=True)
    procedure_date = models.DateField()
    relief_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    relief_duration_weeks = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["procedure_date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.procedure_date}"
