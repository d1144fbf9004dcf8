"""Licensed wording a clinic holds for an instrument (ODI, BPI), per version and language.
spinereg ships only structure, scoring and staff labels; the clinic loads the text."""

from django.conf import settings
from django.db import models

from spinereg.core.vocabulary import Language, choices
from spinereg.registry.accounts.models import Clinic


class LicensedText(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="licensed_texts")
    instrument_id = models.CharField(max_length=20)
    version = models.CharField(max_length=20)
    language = models.CharField(max_length=2, choices=choices(Language))
    licence = models.CharField(max_length=200, help_text="Licence under which the text is used.")
    overlay = models.JSONField(help_text="Item texts and answer displays by linkId and code.")
    loaded_at = models.DateTimeField(auto_now=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "instrument_id", "version", "language"],
                name="licensed_text_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.version} ({self.language}) · {self.clinic}"
