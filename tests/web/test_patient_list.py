"""The staff patient list: search, filters, pagination, and a query count that does not grow."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from spinereg.registry.followup.models import ScheduleItem
from tests.factories import ConsentSignatureFactory, EpisodeFactory, PatientFactory


def _patients(clinic, count, **episode):
    patients = []
    for _ in range(count):
        patient = PatientFactory(clinic=clinic)
        if episode:
            EpisodeFactory(patient=patient, **episode)
        patients.append(patient)
    return patients


def _names(response):
    return {p.identity.family_name for p in response.context["page"].object_list}


def test_search_finds_by_mrn_and_by_family_name(client, clinic_world):
    client.force_login(clinic_world.coordinator)
    patient = clinic_world.patient
    assert _names(client.get("/patients/", {"q": patient.identity.mrn})) == {
        patient.identity.family_name
    }
    assert patient.identity.family_name in _names(
        client.get("/patients/", {"q": patient.identity.family_name[:3]})
    )
    assert _names(client.get("/patients/", {"q": "no-such-person"})) == set()


def test_filters_by_condition_and_treatment(client, clinic_world):
    facet = _patients(clinic_world.north, 2, kind="rfa", condition="facet")
    disc = _patients(clinic_world.north, 3, kind="bmac", condition="discogenic")
    client.force_login(clinic_world.physician)
    by_condition = client.get("/patients/", {"condition": "facet"}).context["page"]
    assert {p.pk for p in by_condition.object_list} == {p.pk for p in facet}
    by_treatment = client.get("/patients/", {"treatment": "bmac"}).context["page"]
    assert {p.pk for p in by_treatment.object_list} == {p.pk for p in disc}


def test_filters_by_follow_up_status(client, clinic_world):
    from spinereg.registry.episodes.services import episode_create

    today = timezone.localdate()
    overdue = PatientFactory(clinic=clinic_world.north)
    ConsentSignatureFactory(patient=overdue)
    # 3-month visit: target day 91, window ±14 → overdue from day 92 to day 105.
    episode_create(
        patient=overdue,
        kind="bmac",
        condition="discogenic",
        index_date=today - timedelta(days=95),
        actor=clinic_world.physician,
    )
    # Earlier visits were answered; only the 3-month one is outstanding.
    ScheduleItem.objects.filter(episode__patient=overdue, window_end__lt=today).update(
        completed_at=timezone.now()
    )
    missed = PatientFactory(clinic=clinic_world.north)
    ConsentSignatureFactory(patient=missed)
    episode_create(
        patient=missed,
        kind="bmac",
        condition="discogenic",
        index_date=today - timedelta(days=400),
        actor=clinic_world.physician,
    )
    client.force_login(clinic_world.coordinator)

    def pks(status):
        page = client.get("/patients/", {"followup": status}).context["page"]
        return {p.pk for p in page.object_list}

    assert pks("overdue") == {overdue.pk}
    assert missed.pk in pks("missed")
    assert overdue.pk not in pks("missed")
    assert clinic_world.patient.pk in pks("up_to_date")
    assert overdue.pk not in pks("up_to_date")


def test_the_list_is_paginated(client, clinic_world):
    _patients(clinic_world.north, 55)
    client.force_login(clinic_world.coordinator)
    first = client.get("/patients/")
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.count == 56
    second = client.get("/patients/", {"page": 2})
    assert len(second.context["page"].object_list) == 6
    api = client.get("/api/patients", {"page": 2}).json()
    assert api["count"] == 56
    assert len(api["items"]) == 6


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/patients/", "/patients/?treatment=bmac&followup=overdue"])
def test_the_list_query_count_does_not_grow_with_the_data(client, clinic_world, url):
    client.force_login(clinic_world.coordinator)
    _patients(clinic_world.north, 3, kind="bmac", condition="discogenic")
    few = _queries(client, url)
    _patients(clinic_world.north, 40, kind="bmac", condition="discogenic")
    assert _queries(client, url) == few


def test_the_timeline_query_count_does_not_grow_with_the_record(client, clinic_world):
    from spinereg.registry.outcomes.models import AdverseEvent

    client.force_login(clinic_world.physician)
    patient = clinic_world.patient
    EpisodeFactory(patient=patient)
    url = f"/patients/{patient.pk}/"
    few = _queries(client, url)
    for day in range(5):
        episode = EpisodeFactory(patient=patient, index_date=date(2024, 1, 1 + day))
        AdverseEvent.objects.create(
            patient=patient,
            episode=episode,
            code="vasovagal",
            onset_date=date(2024, 1, 1 + day),
            severity_grade=1,
        )
    assert _queries(client, url) == few
