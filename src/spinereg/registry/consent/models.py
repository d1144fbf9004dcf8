"""A signature binds to the exact text signed through its SHA-256, so a later edit of the
document can never change what a patient agreed to (21 CFR 11.70)."""

import hashlib

from django.db import models

from spinereg.core.vocabulary import Language, choices
from spinereg.registry.accounts.models import Clinic
from spinereg.registry.patients.models import Patient


class ConsentDocument(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="consent_documents")
    version = models.CharField(max_length=20)
    language = models.CharField(max_length=2, choices=choices(Language))
    title = models.CharField(max_length=200)
    body = models.TextField()
    sha256 = models.CharField(max_length=64, editable=False)
    effective_date = models.DateField()
    retired_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "version", "language"], name="consent_document_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version} ({self.language})"

    @staticmethod
    def hash_body(body: str) -> str:
        return hashlib.sha256(body.encode("utf-8")).hexdigest()


class ConsentSignature(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="consents")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="+")
    typed_name = models.CharField(max_length=200)
    agreed = models.BooleanField()
    signed_at = models.DateTimeField()
    document_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at"]

    def __str__(self) -> str:
        return f"{self.document} signed {self.signed_at:%Y-%m-%d}"

    @property
    def is_locked(self) -> bool:
        return True
