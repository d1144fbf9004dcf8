"""A technician and a physician complete a procedure day in Chromium: processing with a
deviation, the label, the physician's acknowledgement, a wrong label refused at the bedside
(kept as a safety event), the right one accepted, and the note signed with the password."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from spinereg.registry.episodes.models import Injection
from spinereg.registry.procedures.models import ProcedureSignature, SafetyEvent
from tests.factories import PASSWORD, PatientFactory
from tests.registry.procedures.helpers import (
    bmac_episode,
    label,
    protocol_for,
    record_harvest,
    record_processing,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def harvested(transactional_db, clinic_world):
    """A harvest an hour ago (coordinator), and another patient's labelled product in the
    same room: the wrong label."""
    protocol = protocol_for(clinic_world)
    now = timezone.now().replace(second=0, microsecond=0)
    episode = bmac_episode(clinic_world)
    record_harvest(
        clinic_world, episode, protocol, harvested_at=now - timedelta(minutes=60), now=now
    )
    neighbour = bmac_episode(clinic_world, PatientFactory(clinic=clinic_world.north))
    record_harvest(
        clinic_world, neighbour, protocol, harvested_at=now - timedelta(minutes=50), now=now
    )
    record_processing(
        clinic_world,
        neighbour,
        started_at=now - timedelta(minutes=45),
        ended_at=now - timedelta(minutes=20),
        now=now,
    )
    wrong = label(clinic_world, neighbour, now=now)
    return clinic_world, episode, wrong.product_code, now


def _sign_in(page: Page, base: str, user) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _local(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def test_technician_and_physician_complete_a_day_and_a_wrong_label_is_refused(
    page: Page, live_server, harvested, artifacts
):
    world, episode, wrong_code, now = harvested
    day_url = f"{live_server.url}/procedures/{episode.pk}/"

    # The technician records processing and composition, then labels the product.
    _sign_in(page, live_server.url, world.technician)
    page.goto(day_url)
    processing = page.locator("#processing form")
    expect(processing.get_by_label("Processing system")).to_have_value("SmartPrep2")
    processing.get_by_label("Processing start (clinic time)").fill(
        _local(now - timedelta(minutes=50))
    )
    processing.get_by_label("Processing end (clinic time)").fill(
        _local(now - timedelta(minutes=20))
    )
    processing.get_by_label("Concentrate volume (mL)").fill("7")
    processing.get_by_label("Total nucleated cells, aspirate (×10⁶ cells/mL)").fill("30")
    processing.get_by_label("Total nucleated cells, concentrate (×10⁶ cells/mL)").fill("120")
    processing.get_by_label("CFU-F, concentrate (colonies/mL)").fill("2500")
    processing.get_by_label("Viability, concentrate (%)").fill("88")
    processing.get_by_label("Processing limited to centrifugation?").select_option("yes")
    processing.get_by_label("Cells cultured or expanded?").select_option("no")
    processing.get_by_role("button", name="Record processing").click()
    expect(page.get_by_role("status")).to_contain_text("QC evaluated")
    viability_row = page.locator("#qc-concentrateviability_percent")
    expect(viability_row).to_contain_text("88 % is below the protocol's minimum of 90 %")
    expect(page.locator("#processing")).to_contain_text("4.00×")  # 120 / 30
    page.get_by_role("button", name="Label the product").click()
    code = page.locator("#product-code").inner_text()
    assert code.startswith("BMAC-")
    expect(page.get_by_role("link", name="Print the label (PDF)")).to_be_visible()
    page.screenshot(path=artifacts / "procedure-day-technician.png", full_page=True)
    page.get_by_role("button", name="Sign out").click()

    # The physician acknowledges the deviation, scans a wrong label (refused), then the right one.
    _sign_in(page, live_server.url, world.physician)
    page.goto(day_url)
    expect(page.locator("#pending-deviations")).to_be_visible()
    viability_row.get_by_label("Acknowledgement comment for Viability, concentrate").fill(
        "Within our lab's variation; patient informed."
    )
    viability_row.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#pending-deviations")).to_have_count(0)

    injection = page.locator("form[aria-label='Record the injection']")
    injection.get_by_label("Wristband (record number)").fill(world.patient.identity.mrn)
    injection.get_by_label("Product label").fill(wrong_code)
    injection.get_by_label("Needle (G)").fill("22")
    injection.get_by_label("Target 1: level").select_option("L4-L5")
    injection.get_by_label("Target 1: volume (mL)").fill("2")
    injection.get_by_role("button", name="Check identity and record injection").click()
    refused = page.locator("#injection_product_code-errors")
    expect(refused).to_contain_text("This product belongs to another patient. Do not inject it.")
    expect(page.get_by_role("table", name="Wristband and label checks")).to_contain_text(
        "refused: Product of another patient"
    )
    page.screenshot(path=artifacts / "procedure-day-wrong-label.png", full_page=True)
    assert not Injection.objects.exists()

    injection = page.locator("form[aria-label='Record the injection']")
    injection.get_by_label("Product label").fill(code.lower())  # typed, not scanned
    injection.get_by_label("Target 1: level").select_option("L4-L5")
    injection.get_by_label("Target 1: volume (mL)").fill("2")
    injection.get_by_role("button", name="Check identity and record injection").click()
    expect(page.get_by_role("status")).to_contain_text("injection recorded")
    expect(page.get_by_role("table", name="Injections")).to_contain_text("L4-L5")

    signature = page.locator("form[aria-label='Sign the procedure note']")
    signature.get_by_label("Meaning of the signature").select_option("authorship")
    signature.get_by_label("Your password (asked again for every signature)").fill("wrong")
    signature.get_by_role("button", name="Sign the procedure note").click()
    expect(page.locator("#signature_password-errors")).to_contain_text(
        "The password is not correct."
    )
    signature = page.locator("form[aria-label='Sign the procedure note']")
    signature.get_by_label("Meaning of the signature").select_option("authorship")
    signature.get_by_label("Your password (asked again for every signature)").fill(PASSWORD)
    signature.get_by_role("button", name="Sign the procedure note").click()
    expect(page.locator("#signature-manifest")).to_contain_text(
        f"Signed by {world.physician.printed_name}"
    )
    page.screenshot(path=artifacts / "procedure-day-signed.png", full_page=True)

    event = SafetyEvent.objects.get()
    assert (event.kind, event.identity_check.channel) == ("product_other_patient", "page")
    assert Injection.objects.get().episode_id == episode.pk
    assert ProcedureSignature.objects.get().signer == world.physician
