"""Forest plots render, save as PNG and SVG, and show what they claim to show."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from spinereg.analytics.meta import forest_plot, random_effects, save_figure, subgroup_analysis
from spinereg.core.errors import RuleViolation

KNOWN = Path(__file__).resolve().parents[1] / "known_answers"
BCG = json.loads((KNOWN / "meta_bcg.json").read_text())
FRAME = pd.read_csv(KNOWN / "meta_bcg.csv")
YI = np.array(BCG["escalc"]["yi"])
VI = np.array(BCG["escalc"]["vi"])
LABELS = [f"{author} {year}" for author, year in zip(FRAME.author, FRAME.year, strict=True)]


def svg_text(figure: Figure, path: Path) -> str:
    save_figure(figure, path)
    return path.read_text()


def test_a_plot_is_written_as_png_and_svg_with_its_labels_as_text(tmp_path):
    figure = forest_plot(
        YI,
        VI,
        LABELS,
        effect_label="Risk ratio of tuberculosis (log scale)",
        n_patients=list(FRAME.n1i + FRAME.n2i),
        transform="exp",
        favours=("Favours vaccine", "Favours control"),
        title="BCG vaccine trials",
    )
    png = save_figure(figure, tmp_path / "forest.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000
    svg = svg_text(figure, tmp_path / "forest.svg")
    for text in [*LABELS, "Risk ratio of tuberculosis (log scale)", "Favours vaccine",
                 "BCG vaccine trials", "Weight (%)", "95% prediction interval"]:  # fmt: skip
        assert text.replace("&", "&amp;") in svg, text


def test_the_plot_shows_the_pooled_numbers_and_weights(tmp_path):
    figure = forest_plot(YI, VI, LABELS, effect_label="Log risk ratio")
    svg = svg_text(figure, tmp_path / "forest.svg")
    pooled = random_effects(YI, VI)
    assert f"{pooled.estimate:.2f} [{pooled.ci_lower:.2f}, {pooled.ci_upper:.2f}]" in svg
    assert f"[{pooled.pi_lower:.2f}, {pooled.pi_upper:.2f}]" in svg
    assert f"I² = {pooled.i2:.0f}%" in svg
    for weight in pooled.weights:
        assert f">{weight:.1f}<" in svg


def test_back_transformed_ratios_are_shown_on_the_ratio_scale(tmp_path):
    figure = forest_plot(YI, VI, LABELS, effect_label="Risk ratio", transform="exp")
    svg = svg_text(figure, tmp_path / "forest.svg")
    pooled = random_effects(YI, VI)
    assert f"{np.exp(pooled.estimate):.2f} [{np.exp(pooled.ci_lower):.2f}," in svg
    assert figure.axes[1].get_xscale() == "log"


def test_subgroups_get_headings_diamonds_and_the_test_of_differences(tmp_path):
    figure = forest_plot(
        YI, VI, LABELS, effect_label="Log risk ratio", groups=list(FRAME.alloc), method="DL"
    )
    svg = svg_text(figure, tmp_path / "forest.svg")
    analysis = subgroup_analysis(YI, VI, FRAME.alloc, method="DL")
    for name, fit in analysis.groups.items():
        assert f">{name}<" in svg
        assert f"{fit.estimate:.2f} [{fit.ci_lower:.2f}, {fit.ci_upper:.2f}]" in svg
    assert svg.count("Subtotal (DL)") == 3
    assert "Random-effects model, τ² by DL" in svg
    assert f"Q = {analysis.q_between:.2f}, df = 2" in svg
    diamonds = [patch for patch in figure.axes[1].patches if len(patch.get_xy()) == 5]
    assert len(diamonds) == 4  # three subgroups and the overall model


def test_study_squares_grow_with_weight():
    figure = forest_plot(YI, VI, LABELS, effect_label="Log risk ratio")
    squares = [line for line in figure.axes[1].lines if line.get_marker() == "s"]
    sizes = np.array([line.get_markersize() for line in squares])
    weights = random_effects(YI, VI).weights
    assert np.array_equal(np.argsort(sizes, kind="stable"), np.argsort(weights, kind="stable"))


def test_the_axis_label_is_required():
    with pytest.raises(RuleViolation) as raised:
        forest_plot(YI, VI, LABELS, effect_label=" ")
    assert raised.value.field == "effect_label"


def test_labels_must_match_the_studies():
    with pytest.raises(RuleViolation) as raised:
        forest_plot(YI, VI, LABELS[:-1], effect_label="Log risk ratio")
    assert raised.value.field == "labels"


def test_text_is_readable_at_print_size():
    figure = forest_plot(YI, VI, LABELS, effect_label="Log risk ratio")
    sizes = {text.get_fontsize() for axes in figure.axes for text in axes.texts}
    assert min(sizes) >= 7
    width_in, _ = figure.get_size_inches()
    assert width_in == pytest.approx(7.5)
    assert figure.axes[1].get_xlabel() == "Log risk ratio"


def test_a_label_too_long_for_its_column_is_shortened_with_an_ellipsis():
    long_labels = [*LABELS[:-1], "Comstock et al 1976, " + "a very long description " * 4]
    figure = forest_plot(YI, VI, long_labels, effect_label="Log risk ratio", n_patients=[1] * 13)
    shown = [text.get_text() for text in figure.axes[0].texts]
    assert LABELS[0] in shown
    (shortened,) = [text for text in shown if text.startswith("Comstock et al 1976, ")]
    assert shortened.endswith("…")
    assert len(shortened) < len(long_labels[-1])


def test_rows_beside_the_pool_are_drawn_apart_and_leave_the_pool_alone(tmp_path):
    from spinereg.analytics.meta.forest import BesideRow

    clinic = BesideRow("Our clinic", 0.6, 0.45, 0.8, n=40)
    listed = BesideRow("Other measure", 12.0, 8.0, 16.0, drawn=False, note="other scale")
    figure = forest_plot(
        YI, VI, LABELS, effect_label="Risk ratio", transform="exp", beside=[clinic, listed]
    )
    svg = svg_text(figure, tmp_path / "forest.svg")
    pooled = random_effects(YI, VI)
    assert f"{np.exp(pooled.estimate):.2f} [{np.exp(pooled.ci_lower):.2f}," in svg
    for weight in pooled.weights:
        assert f">{weight:.1f}<" in svg
    assert "Not pooled" in svg
    assert svg.count(">not pooled<") == 2
    assert "0.60 [0.45, 0.80]" in svg  # on the displayed scale as given, not exp()-ed
    assert "other scale" in svg
    circles = [line for line in figure.axes[1].lines if line.get_marker() == "o"]
    assert [line.get_xdata()[0] for line in circles] == [0.6]
