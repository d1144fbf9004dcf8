"""Who works where, in which role. A user's reach is the union of their memberships."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    PATIENT = "patient", "Patient"
    COORDINATOR = "coordinator", "Coordinator"
    PHYSICIAN = "physician", "Physician"
    TECHNICIAN = "technician", "Processing technician"
    RESEARCHER = "researcher", "Researcher"
    ADMINISTRATOR = "administrator", "Administrator"


# Roles that see identified patient records of their clinic. Researchers work on de-identified
# data only; patients see themselves through their own portal link.
CLINICAL_ROLES = (Role.COORDINATOR, Role.PHYSICIAN, Role.TECHNICIAN, Role.ADMINISTRATOR)
# Roles that may write clinical records (a technician writes the procedure-day records).
WRITING_ROLES = (Role.COORDINATOR, Role.PHYSICIAN, Role.TECHNICIAN, Role.ADMINISTRATOR)


class Clinic(models.Model):
    name = models.CharField(max_length=200, unique=True)
    code = models.SlugField(max_length=20, unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """Our own user model from the first migration, so it can grow without a data migration."""

    printed_name = models.CharField(
        max_length=200, blank=True, help_text="Name shown on electronic signatures (21 CFR 11.50)."
    )

    def __str__(self) -> str:
        return self.printed_name or self.get_username()


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.clinic}"


class ApiToken(models.Model):
    """Bearer token for other systems. Only a SHA-256 of the key is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def new_key(cls) -> str:
        return "srg_" + secrets.token_urlsafe(32)
