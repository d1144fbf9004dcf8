"""`spinereg demo`: two demo clinics, one user per role, and the synthetic cohort."""

from typing import TYPE_CHECKING

import click

from spinereg.cli.main import clean_errors, setup_django

if TYPE_CHECKING:
    from spinereg.registry.accounts.models import Clinic

DEMO_PASSWORD = "spinereg-demo"
DEMO_ROLES = ("coordinator", "physician", "technician", "administrator", "researcher")
CLINICS = (("north", "North Spine Clinic (demo)"), ("south", "South Spine Clinic (demo)"))


@click.command()
@click.option("--patients", default=300, show_default=True, help="Synthetic patients to load.")
@click.option("--seed", default=1, show_default=True)
@click.pass_context
@clean_errors
def demo(ctx: click.Context, patients: int, seed: int) -> None:
    """Set up the demo: clinics, one login per role (printed), and a synthetic cohort.
    Run again, it keeps what exists and only adds what is missing."""
    setup_django()
    from spinereg.cli.synth import synth
    from spinereg.registry.accounts.models import Clinic, Membership, User
    from spinereg.registry.patients.models import Patient

    clinics = [
        Clinic.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in CLINICS
    ]
    if not Patient.objects.exists():
        ctx.invoke(synth, patients=patients, seed=seed, clinics=",".join(c.code for c in clinics))
    from spinereg.registry.evidence.services import load_packaged_literature

    load_packaged_literature()
    logins = []
    for role in DEMO_ROLES:
        user, created = User.objects.get_or_create(
            username=role,
            defaults={
                "printed_name": f"Demo {role.title()}",
                "is_staff": role == "administrator",
                "is_superuser": role == "administrator",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(user=user, clinic=clinics[0], role=role)
        logins.append((role, role))
    patient_user, created = User.objects.get_or_create(
        username="patient", defaults={"printed_name": "Demo Patient"}
    )
    if created:
        patient_user.set_password(DEMO_PASSWORD)
        patient_user.save()
    Membership.objects.get_or_create(user=patient_user, clinic=clinics[0], role="patient")
    if not Patient.objects.filter(user=patient_user).exists():
        first = (
            Patient.objects.filter(clinic=clinics[0], responses__isnull=False)
            .order_by("pk")
            .first()
        )
        if first is not None:
            first.user = patient_user
            first.save(update_fields=["user"])
    logins.append(("patient", "patient"))
    _clinic_setup(clinics[0])
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}) at http://127.0.0.1:8000/login/")
    for role, username in logins:
        click.echo(f"  {role:<14} {username}")
    click.echo(
        "This is synthetic data. BMAC for the spine is investigational; spinereg supports "
        "clinical decisions and does not make them."
    )


def _clinic_setup(clinic: "Clinic") -> None:
    """Consent documents, consultation hours and a processing protocol for the demo clinic,
    each created once, through the same audited services staff use."""
    from django.utils import timezone

    from spinereg.core.product.protocol import example_protocol
    from spinereg.registry.accounts.models import User
    from spinereg.registry.journey.demo import journey_demo_setup
    from spinereg.registry.procedures.models import ProcessingProtocol
    from spinereg.registry.procedures.services.protocols import protocol_create_from_spec

    today = timezone.localdate()
    coordinator = User.objects.get(username="coordinator")
    physician = User.objects.get(username="physician")
    administrator = User.objects.get(username="administrator")
    journey_demo_setup(clinic=clinic, physician=physician, actor=coordinator, today=today)
    if not ProcessingProtocol.objects.filter(clinic=clinic).exists():
        protocol_create_from_spec(
            clinic=clinic,
            actor=administrator,
            spec=example_protocol(),
            effective_from=today.replace(year=today.year - 10),
            reason="demo protocol (example values, not a recommendation)",
        )
