"""docs/procedure-day.md documents every quantity a protocol range may name and every
chain-of-identity refusal (datasette's idea: undocumented means broken)."""

from pathlib import Path

from spinereg.core.product.identity import Refusal
from spinereg.core.product.quantities import QUANTITIES

DOC = (Path(__file__).resolve().parents[2] / "docs" / "procedure-day.md").read_text()


def test_every_quantity_code_is_documented_with_its_unit():
    missing = [q.code for q in QUANTITIES if f"| `{q.code}` | {q.label} | {q.unit} |" not in DOC]
    assert not missing, f"undocumented quantities: {missing}"


def test_every_refusal_is_documented():
    missing = [refusal.value for refusal in Refusal if f"`{refusal.value}`" not in DOC]
    assert not missing, f"undocumented refusals: {missing}"
