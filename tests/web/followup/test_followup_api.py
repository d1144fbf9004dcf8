"""The follow-up API: worklist, completion, an episode's schedule with status, an item's
messages, resend (422 once the link expired), contact channel and the clinic's schedule."""

import pytest
import time_machine

from spinereg.registry.audit.models import AuditEntry
from spinereg.registry.followup.models import Notification, ScheduleDefinition
from tests.registry.followup.helpers import at, day, item_of, run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_20(episode):
    run_worker(at(day(10)))
    with time_machine.travel(at(day(20)), tick=False):
        yield episode


def test_the_worklist_lists_missed_items_with_the_links_last_day(client, clinic_world, day_20):
    client.force_login(clinic_world.coordinator)
    body = client.get("/api/followup/worklist").json()
    assert body["count"] == 2
    two_weeks = next(row for row in body["items"] if row["visit"] == "2wk")
    assert two_weeks["status"] == "missed"
    assert two_weeks["patient_id"] == clinic_world.patient.pk
    assert two_weeks["link_valid_until"] == "2025-04-04"
    assert (two_weeks["last_sent_kind"], two_weeks["sent_count"]) == ("invitation", 1)
    overdue = client.get("/api/followup/worklist?status=overdue").json()
    assert overdue["count"] == 0


def test_another_clinic_gets_404_for_this_clinic(client, clinic_world, day_20):
    client.force_login(clinic_world.other)
    assert (
        client.get(f"/api/followup/worklist?clinic_id={clinic_world.north.pk}").status_code == 404
    )
    item = item_of(day_20, "2wk")
    assert (
        client.post(f"/api/followup/items/{item.pk}/resend", {}, "application/json").status_code
        == 404
    )
    assert client.get(f"/api/followup/items/{item.pk}/notifications").status_code == 404


def test_resend_queues_and_audits(client, clinic_world, day_20):
    client.force_login(clinic_world.coordinator)
    item = item_of(day_20, "2wk")
    answer = client.post(
        f"/api/followup/items/{item.pk}/resend", {"reason": "patient phoned"}, "application/json"
    )
    assert answer.status_code == 201
    assert (answer.json()["kind"], answer.json()["sequence"]) == ("resend", 1)
    assert AuditEntry.objects.get(model="followup.notification.resend").reason == "patient phoned"
    kinds = [
        row["kind"] for row in client.get(f"/api/followup/items/{item.pk}/notifications").json()
    ]
    assert kinds == ["invitation", "reminder_3d", "reminder_7d", "resend"]


def test_resend_of_an_expired_link_is_a_422_naming_the_rule(client, clinic_world, episode):
    client.force_login(clinic_world.coordinator)
    with time_machine.travel(at(day(40)), tick=False):
        answer = client.post(
            f"/api/followup/items/{item_of(episode, '2wk').pk}/resend", {}, "application/json"
        )
    assert answer.status_code == 422
    [detail] = answer.json()["detail"]
    assert (detail["loc"], detail["type"]) == (["body", "payload", "schedule_item"], "link_valid")
    assert not Notification.objects.filter(kind="resend").exists()


def test_completion_and_episode_schedule(client, clinic_world, day_20):
    client.force_login(clinic_world.coordinator)
    completion = client.get("/api/followup/completion").json()
    assert [row["visit"] for row in completion] == ["baseline", "2wk"]
    assert completion[1] == {
        "visit": "2wk",
        "opened": 1,
        "completed": 0,
        "open_now": 0,
        "missed": 1,
        "completion_rate": 0.0,
    }
    schedule = client.get(f"/api/followup/episodes/{day_20.pk}/schedule").json()
    assert [(row["visit"], row["status"]) for row in schedule[:4]] == [
        ("baseline", "missed"),
        ("2wk", "missed"),
        ("6wk", "upcoming"),
        ("3mo", "upcoming"),
    ]


def test_the_contact_channel_is_read_and_set(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    url = f"/api/followup/patients/{clinic_world.patient.pk}/contact-preference"
    assert client.get(url).json() == {"patient_id": clinic_world.patient.pk, "channel": "email"}
    refused = client.put(url, {"channel": "sms"}, "application/json")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["type"] == "contact_on_record"
    assert client.put(url, {"channel": "email"}, "application/json").status_code == 200


def test_the_clinic_schedule_is_shown_and_replaced_by_an_administrator(client, clinic_world):
    url = f"/api/followup/clinics/{clinic_world.north.pk}/schedule"
    client.force_login(clinic_world.coordinator)
    shown = client.get(url).json()
    assert (shown["schedule_id"], shown["version"]) == ("spinereg-default", "1.0")
    definition = {**shown["definition"], "id": "north", "version": "2"}
    refused = client.post(url, {"definition": definition}, "application/json")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["type"] == "administrator"
    client.force_login(clinic_world.administrator)
    created = client.post(url, {"definition": definition, "reason": "v2"}, "application/json")
    assert created.status_code == 201
    assert ScheduleDefinition.objects.get().version == "2"
    assert client.get(url).json()["version"] == "2"
