"""docs/instruments.md documents every shipped instrument, linkId and responder definition
(datasette's idea: a docs test fails when something is added without its documentation)."""

from pathlib import Path

import pytest

from spinereg.core.instruments import instrument_ids, load_instrument
from spinereg.core.responders import composites, definitions

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "instruments.md").read_text("utf-8")


@pytest.mark.parametrize("instrument_id", instrument_ids())
def test_every_instrument_and_its_link_ids_are_documented(instrument_id):
    assert f"`{instrument_id}`" in DOCS
    for link_id in load_instrument(instrument_id).link_ids:
        assert f"`{link_id}`" in DOCS, link_id


def test_every_responder_definition_is_documented():
    for definition_id in [*definitions(), *composites()]:
        assert f"`{definition_id}`" in DOCS, definition_id
