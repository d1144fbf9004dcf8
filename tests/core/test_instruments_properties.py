"""Properties every honest scorer has: the ODI stays within 0–100 whatever is missing or
double-ticked, and a worse answer never yields a better score."""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from spinereg.core.instruments import load_instrument, score

ODI_LINKS = [f"section-{n}" for n in range(1, 11)]
ODI_CODE = st.integers(0, 5)
ODI_SECTION = st.one_of(st.none(), ODI_CODE, st.tuples(ODI_CODE, ODI_CODE))


@given(st.lists(ODI_SECTION, min_size=10, max_size=10))
def test_the_odi_stays_between_0_and_100(sections):
    result = score("odi-2.1a", dict(zip(ODI_LINKS, sections, strict=True)))
    if result.value is not None:
        assert 0.0 <= result.value <= 100.0
    answered = sum(section is not None for section in sections)
    assert result.answered == answered
    assert (result.value is None) == (answered < 8)


def forms(instrument_id: str) -> st.SearchStrategy[dict[str, int | None]]:
    spec = load_instrument(instrument_id)
    return st.fixed_dictionaries(
        {
            item.link_id: st.one_of(st.none(), st.integers(int(item.minimum), int(item.maximum)))
            for item in spec.items
        }
    )


@pytest.mark.parametrize("instrument_id", ["odi-2.1a", "bpi-sf", "peg-3"])
@settings(max_examples=200)
@given(data=st.data())
def test_raising_one_answer_never_lowers_any_score(instrument_id, data):
    spec = load_instrument(instrument_id)
    answers = data.draw(forms(instrument_id), label="answers")
    link_id = data.draw(st.sampled_from(spec.link_ids), label="raised item")
    current = answers[link_id]
    assume(current is not None and current < spec.item(link_id).maximum)
    worse = {**answers, link_id: current + 1}
    before, after = score(instrument_id, answers), score(instrument_id, worse)
    assert (before.value is None) == (after.value is None)
    if before.value is not None:
        assert after.value is not None
        assert after.value >= before.value
    for name, subscore in before.subscores.items():
        raised = after.subscores[name]
        assert (subscore is None) == (raised is None)
        if subscore is not None and raised is not None:
            assert raised >= subscore


@settings(max_examples=200)
@given(
    st.lists(st.integers(0, 4), min_size=10, max_size=10),
    st.integers(0, 9),
    st.sets(st.integers(0, 9), max_size=2),
)
def test_a_worse_answer_strictly_raises_a_scored_odi(codes, position, blank):
    """The strict form for the ODI (STYLE.md's example): every answered section counts, with
    up to two sections blank so that the form is still scored."""
    sections: list[int | None] = [
        None if i in blank and i != position else c for i, c in enumerate(codes)
    ]
    worse = [*sections]
    worse[position] = codes[position] + 1
    before = score("odi-2.1a", dict(zip(ODI_LINKS, sections, strict=True)))
    after = score("odi-2.1a", dict(zip(ODI_LINKS, worse, strict=True)))
    assert before.value is not None
    assert after.value is not None
    assert after.value > before.value
