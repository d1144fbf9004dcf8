"""The admin: administrative records are audited; the trail is scoped to administered clinics."""

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.patients.services import patient_update


def _admin_client(client, world):
    world.administrator.is_staff = True
    world.administrator.is_superuser = True
    world.administrator.save()
    client.force_login(world.administrator)
    return client


def test_creating_a_clinic_in_the_admin_is_audited(client, clinic_world):
    admin = _admin_client(client, clinic_world)
    response = admin.post(
        "/admin/accounts/clinic/add/", {"name": "East", "code": "east", "timezone": "UTC"}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(model="accounts.clinic", action="create")
    assert entry.after["code"] == "east"
    assert entry.actor == clinic_world.administrator


def test_the_admin_trail_shows_only_administered_clinics(client, clinic_world):
    patient_update(
        clinic_world.patient,
        actor=clinic_world.physician,
        changes={"phone": "555-1111"},
        reason="north change",
    )
    patient_update(
        clinic_world.other_patient,
        actor=clinic_world.other,
        changes={"phone": "555-2222"},
        reason="south change",
    )
    page = _admin_client(client, clinic_world).get("/admin/audit/auditentry/").content.decode()
    assert "north change" in page
    assert "south change" not in page


def test_clinical_records_are_not_editable_in_the_admin(client, clinic_world):
    admin = _admin_client(client, clinic_world)
    assert admin.get("/admin/patients/patient/").status_code == 404
