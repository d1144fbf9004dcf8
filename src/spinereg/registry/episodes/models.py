"""An episode is one treatment with an index date; every follow-up window counts from it.
BMAC and comparator episodes share the same baseline and schedule so they can be compared."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from spinereg.core.vocabulary import Condition, Side, SpinalLevel, TreatmentKind, choices
from spinereg.registry.accounts.models import Clinic
from spinereg.registry.patients.models import Patient


class EpisodeStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "In follow-up"
    COMPLETED = "completed", "Follow-up completed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Episode(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="episodes")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="episodes")
    kind = models.CharField(max_length=20, choices=choices(TreatmentKind))
    condition = models.CharField(max_length=12, choices=choices(Condition))
    index_date = models.DateField(null=True, blank=True, help_text="Day 0 of follow-up.")
    status = models.CharField(
        max_length=10, choices=EpisodeStatus.choices, default=EpisodeStatus.PLANNED
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["index_date", "pk"]
        indexes = [models.Index(fields=["clinic", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.index_date or '(unscheduled)'}"

    @property
    def is_locked(self) -> bool:
        return self.signed_at is not None


class Harvest(models.Model):
    class Site(models.TextChoices):
        POSTERIOR_ILIAC_CREST = "posterior_iliac_crest", "Posterior iliac crest"
        ANTERIOR_ILIAC_CREST = "anterior_iliac_crest", "Anterior iliac crest"

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="harvest")
    harvested_at = models.DateTimeField()
    site = models.CharField(max_length=25, choices=Site.choices, default=Site.POSTERIOR_ILIAC_CREST)
    side = models.CharField(max_length=10, choices=choices(Side))
    aspirate_volume_ml = models.FloatField(validators=[MinValueValidator(0.1)])
    anticoagulant = models.CharField(max_length=40, help_text="e.g. heparin, ACD-A, citrate")
    anticoagulant_volume_ml = models.FloatField(null=True, blank=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Harvest {self.aspirate_volume_ml} mL"


class Processing(models.Model):
    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="processing")
    system = models.CharField(max_length=100)
    lot_number = models.CharField(max_length=60, blank=True)
    g_force = models.PositiveIntegerField(null=True, blank=True)
    spin_minutes = models.FloatField(null=True, blank=True)
    spins = models.PositiveSmallIntegerField(default=1)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    concentrate_volume_ml = models.FloatField(validators=[MinValueValidator(0.1)])
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.system} → {self.concentrate_volume_ml} mL"


class Composition(models.Model):
    """Measured cell content of one fraction. Counts are per mL; totals are derived in core."""

    class Fraction(models.TextChoices):
        ASPIRATE = "aspirate", "Aspirate (BMA)"
        CONCENTRATE = "concentrate", "Concentrate (BMAC)"

    processing = models.ForeignKey(
        Processing, on_delete=models.CASCADE, related_name="compositions"
    )
    fraction = models.CharField(max_length=12, choices=Fraction.choices)
    tnc_per_ml = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    mnc_per_ml = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    cfu_f_per_ml = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    cd34_per_ml = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    platelets_per_ml = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    viability_percent = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    hematocrit_percent = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["processing", "fraction"], name="composition_one_per_fraction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_fraction_display()}"


class Product(models.Model):
    """The labelled concentrate; its code is what the chain-of-identity check scans."""

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="product")
    product_code = models.CharField(max_length=32, unique=True)
    labelled_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.product_code


class Injection(models.Model):
    class Approach(models.TextChoices):
        INTRADISCAL = "intradiscal", "Intradiscal"
        FACET = "facet", "Facet joint"

    class Guidance(models.TextChoices):
        FLUOROSCOPY = "fluoroscopy", "Fluoroscopy"
        ULTRASOUND = "ultrasound", "Ultrasound"
        CT = "ct", "CT"

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="injections")
    approach = models.CharField(max_length=12, choices=Approach.choices)
    level = models.CharField(max_length=6, choices=choices(SpinalLevel))
    side = models.CharField(max_length=10, choices=choices(Side), default=Side.CENTRAL.value)
    guidance = models.CharField(max_length=12, choices=Guidance.choices)
    needle_gauge = models.PositiveSmallIntegerField(null=True, blank=True)
    contrast = models.BooleanField(default=False)
    volume_ml = models.FloatField(validators=[MinValueValidator(0.01)])
    injected_at = models.DateTimeField()

    class Meta:
        ordering = ["injected_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_approach_display()} {self.level} {self.volume_ml} mL"


class Reintervention(models.Model):
    """A repeat procedure or surgery after the index episode: an endpoint for durability."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="reinterventions")
    kind = models.CharField(max_length=20, choices=choices(TreatmentKind))
    at_index_level = models.BooleanField(default=True)
    procedure_date = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["procedure_date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.procedure_date}"
