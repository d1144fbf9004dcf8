"""Give every existing clinic the default BMAC consent documents (version 1.0, en and es),
audited like any other write. Clinics created later get them from `spinereg demo` or
`consent_defaults_ensure`."""

import hashlib
from datetime import date
from importlib import resources

from django.db import migrations

VERSION = "1.0"
LANGUAGES = ("en", "es")


def _text(language):
    raw = (
        resources.files("spinereg.registry.consent")
        .joinpath("documents", f"bmac-{VERSION}.{language}.txt")
        .read_text("utf-8")
    )
    title, _, body = raw.partition("\n")
    return title.strip(), body.strip() + "\n"


def seed(apps, schema_editor):
    Clinic = apps.get_model("accounts", "Clinic")
    ConsentDocument = apps.get_model("consent", "ConsentDocument")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    today = date.today()
    for clinic in Clinic.objects.all():
        for language in LANGUAGES:
            if ConsentDocument.objects.filter(
                clinic=clinic, version=VERSION, language=language
            ).exists():
                continue
            title, body = _text(language)
            document = ConsentDocument.objects.create(
                clinic=clinic,
                version=VERSION,
                language=language,
                title=title,
                body=body,
                sha256=hashlib.sha256(body.encode("utf-8")).hexdigest(),
                effective_date=today,
            )
            AuditEntry.objects.create(
                actor=None,
                action="create",
                model="consent.consentdocument",
                object_id=str(document.pk),
                clinic_id=clinic.pk,
                after={"version": VERSION, "language": language, "sha256": document.sha256},
                reason="default consent document (migration)",
            )


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0002_initial"),
        ("accounts", "0001_initial"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
