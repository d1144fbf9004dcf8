"""Licensed wording: checked against the shipped structure, stored per clinic, shown on forms."""

import pytest
from django.core.exceptions import ValidationError

from spinereg.core import instruments
from spinereg.registry.instruments.models import LicensedText
from spinereg.registry.instruments.services import licensed_text_load, questionnaire_for


def overlay_for(instrument_id: str, language: str = "en") -> dict:
    """A complete overlay with placeholder wording (never the licensed text itself)."""
    questionnaire = instruments.load_questionnaire(instrument_id, language)
    items = {}
    for item in questionnaire["item"]:
        items[item["linkId"]] = {
            "text": f"Clinic wording for {item['linkId']}",
            "answers": {
                o["valueCoding"]["code"]: f"Statement {o['valueCoding']['code']}"
                for o in item.get("answerOption", [])
            },
        }
    return {
        "instrument": instrument_id,
        "language": language,
        "licence": "Licence 123",
        "items": items,
    }


def test_loaded_wording_is_shown_for_that_clinic_only(clinic_world):
    licensed_text_load(
        clinic=clinic_world.north, overlay=overlay_for("odi-2.1a"), actor=clinic_world.administrator
    )
    north = questionnaire_for(clinic_world.north.pk, "odi-2.1a", "en")
    south = questionnaire_for(clinic_world.south.pk, "odi-2.1a", "en")
    assert north["item"][0]["text"] == "Clinic wording for section-1"
    assert south["item"][0]["text"] != north["item"][0]["text"]


def test_an_incomplete_overlay_is_refused_naming_the_item(clinic_world):
    overlay = overlay_for("bpi-sf")
    del overlay["items"]["now"]
    with pytest.raises(ValidationError) as raised:
        licensed_text_load(
            clinic=clinic_world.north, overlay=overlay, actor=clinic_world.administrator
        )
    assert raised.value.error_dict["items.now"][0].code == "complete_overlay"
    assert not LicensedText.objects.exists()


def test_only_an_administrator_loads_licensed_text(clinic_world):
    with pytest.raises(ValidationError) as raised:
        licensed_text_load(
            clinic=clinic_world.north, overlay=overlay_for("odi-2.1a"), actor=clinic_world.physician
        )
    assert raised.value.error_dict["actor"][0].code == "administrator"


def test_reloading_replaces_the_text(clinic_world):
    overlay = overlay_for("odi-2.1a")
    licensed_text_load(clinic=clinic_world.north, overlay=overlay, actor=clinic_world.administrator)
    overlay["items"]["section-1"]["text"] = "Revised wording"
    licensed_text_load(clinic=clinic_world.north, overlay=overlay, actor=clinic_world.administrator)
    assert LicensedText.objects.count() == 1
    assert questionnaire_for(clinic_world.north.pk, "odi-2.1a", "en")["item"][0]["text"] == (
        "Revised wording"
    )
