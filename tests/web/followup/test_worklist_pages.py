"""The coordinators' worklist page: overdue and missed visits of their clinic, "send link again"
(audited, refused once the link expired), completion per timepoint, and the contact page."""

import pytest
import time_machine

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.followup.models import ContactPreference, Notification
from tests.registry.followup.helpers import at, day, item_of, run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_20(episode):
    """The 2-week visit was missed on day 18; its link is usable until day 34."""
    run_worker(at(day(10)))
    with time_machine.travel(at(day(20)), tick=False):
        yield episode


def test_the_coordinator_sees_missed_visits_with_a_resend_button(client, clinic_world, day_20):
    client.force_login(clinic_world.coordinator)
    page = client.get("/followup/")
    text = page.content.decode()
    assert page.status_code == 200
    item = item_of(day_20, "2wk")
    row = text[text.index(f'id="item-{item.pk}"') :].split("</tr>")[0]
    assert clinic_world.patient.identity.family_name in row
    assert "missed" in row
    assert "invitation by email" in row
    assert "2025-04-04" in row  # link usable until
    assert "Send link again" in row
    baseline = item_of(day_20, "baseline")
    baseline_row = text[text.index(f'id="item-{baseline.pk}"') :].split("</tr>")[0]
    assert "link expired" in baseline_row
    assert 'id="completion"' in text


def test_resend_is_audited_and_shows_as_queued(client, clinic_world, day_20):
    client.force_login(clinic_world.coordinator)
    item = item_of(day_20, "2wk")
    answer = client.post(f"/followup/items/{item.pk}/resend/", {"next": "/followup/?status=missed"})
    assert answer.status_code == 302
    assert answer["Location"] == "/followup/?status=missed"
    row = Notification.objects.get(kind="resend")
    assert (row.schedule_item, row.requested_by) == (item, clinic_world.coordinator)
    assert AuditEntry.objects.filter(model="followup.notification.resend").count() == 1
    page = client.get("/followup/?status=missed").content.decode()
    assert "queued" in page
    assert "is queued" in page  # the success message


def test_resend_after_the_link_expired_is_refused_with_the_reason(client, clinic_world, episode):
    client.force_login(clinic_world.coordinator)
    with time_machine.travel(at(day(36)), tick=False):
        answer = client.post(f"/followup/items/{item_of(episode, '2wk').pk}/resend/", follow=True)
    assert "it has expired" in answer.content.decode()
    assert not Notification.objects.filter(kind="resend").exists()


def test_another_clinic_sees_none_of_it(client, clinic_world, day_20):
    client.force_login(clinic_world.other)
    page = client.get("/followup/").content.decode()
    assert clinic_world.patient.identity.family_name not in page
    assert (
        client.get(f"/followup/?clinic={clinic_world.north.pk}")
        .content.decode()
        .count(clinic_world.patient.identity.family_name)
        == 0
    )
    item = item_of(day_20, "2wk")
    assert client.post(f"/followup/items/{item.pk}/resend/").status_code == 404
    assert not Notification.objects.filter(kind="resend").exists()


@pytest.mark.parametrize("who", ["researcher", "patient_user"])
def test_researchers_and_patients_have_no_worklist(client, clinic_world, who):
    client.force_login(getattr(clinic_world, who))
    assert client.get("/followup/").status_code == 404
    assert client.get(f"/followup/patients/{clinic_world.patient.pk}/contact/").status_code == 404


def test_the_worklist_needs_a_login(client):
    assert client.get("/followup/")["Location"].startswith("/login/")


def test_the_contact_page_saves_the_channel(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    url = f"/followup/patients/{clinic_world.patient.pk}/contact/"
    refused = client.post(url, {"channel": "sms"})
    assert refused.status_code == 422
    assert "no phone number on record" in refused.content.decode()
    assert not ContactPreference.objects.exists()
    identity = clinic_world.patient.identity
    identity.phone = "+15550100"
    identity.save()
    assert client.post(url, {"channel": "sms"}).status_code == 302
    assert ContactPreference.objects.get().channel == "sms"
    assert 'value="sms" checked' in client.get(url).content.decode()


def test_the_timeline_links_to_the_contact_page(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    page = client.get(f"/patients/{clinic_world.patient.pk}/").content.decode()
    assert f"/followup/patients/{clinic_world.patient.pk}/contact/" in page
