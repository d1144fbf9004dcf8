"""The adverse-event table: rates per 100 procedures by treatment (any, related, serious) and,
for BMAC, by catalogue code and relatedness, with exact intervals and the one-sided upper
bound where no event was seen (`spinereg.analytics.safety`, checked against R binom.test)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from spinereg.analytics.membership import is_member
from spinereg.analytics.report.model import ReportTable, Section
from spinereg.analytics.report.sections.common import need, need_rows
from spinereg.analytics.report.style import ordered_treatments, short_treatment
from spinereg.analytics.safety import ANY_EVENT, SERIOUS, UPPER_BOUND, adverse_event_rates

# DOMAIN.md §9, expected BMAC adverse-event catalogue.
BMAC_CATALOGUE = (
    "harvest_site_pain",
    "harvest_hematoma",
    "harvest_infection",
    "harvest_neuralgia",
    "anemia",
    "post_injection_flare",
    "discitis",
    "nerve_injury",
    "disc_herniation",
    "vasovagal",
    "allergic_reaction",
)


def _records(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Rows by category, as plain dicts."""
    return {
        str(row["category"]): {str(key): value for key, value in row.items()}
        for row in table.to_dict(orient="records")
    }


def _cell(row: dict[str, Any]) -> str:
    if row["interval"] == UPPER_BOUND:
        return f"0 (upper bound {row['upper_per_100']:.2f})"
    return f"{row['rate_per_100']:.2f} ({row['lower_per_100']:.2f}–{row['upper_per_100']:.2f})"


def safety_section(episodes: pd.DataFrame, adverse_events: pd.DataFrame) -> Section:
    need(episodes, "episodes", ["episode", "treatment"])
    need(adverse_events, "adverse_events", ["episode", "code", "serious", "related"])
    need_rows(episodes, "procedures")
    overall = adverse_event_rates(adverse_events, episodes, categories=[])
    related = adverse_event_rates(adverse_events, episodes, categories=[], related_only=True)
    by_treatment = []
    for treatment in ordered_treatments(episodes["treatment"].unique()):
        rows = _records(overall.loc[overall["treatment"] == treatment])
        related_rows = _records(related.loc[related["treatment"] == treatment])
        by_treatment.append(
            {
                "Treatment": short_treatment(treatment),
                "Procedures": f"{int(rows[ANY_EVENT]['procedures']):,}",
                "Any AE": _cell(rows[ANY_EVENT]),
                "Related AE": _cell(related_rows[ANY_EVENT]),
                "Serious AE": _cell(rows[SERIOUS]),
                "Events (all)": f"{int(rows[ANY_EVENT]['events']):,}",
            }
        )
    tables = [
        ReportTable(
            "Adverse events per 100 procedures (95% CI) by treatment", pd.DataFrame(by_treatment)
        )
    ]
    bmac = episodes.loc[episodes["treatment"] == "bmac"]
    notes = []
    if bmac.empty:
        notes.append("No BMAC procedures: the catalogue table is left out.")
    else:
        codes = [
            *BMAC_CATALOGUE,
            *sorted(
                set(
                    adverse_events.loc[
                        is_member(adverse_events["episode"], bmac["episode"]), "code"
                    ]
                )
                - set(BMAC_CATALOGUE)
            ),
        ]
        everything = _records(adverse_event_rates(adverse_events, bmac, categories=codes))
        related_only = _records(
            adverse_event_rates(adverse_events, bmac, categories=codes, related_only=True)
        )
        catalogue = pd.DataFrame(
            {
                "Event": [*codes, ANY_EVENT, SERIOUS],
                "Episodes with event": [
                    f"{int(everything[code]['episodes_with_event']):,}"
                    for code in [*codes, ANY_EVENT, SERIOUS]
                ],
                "All, per 100 (95% CI)": [
                    _cell(everything[code]) for code in [*codes, ANY_EVENT, SERIOUS]
                ],
                "Related, per 100 (95% CI)": [
                    _cell(related_only[code]) for code in [*codes, ANY_EVENT, SERIOUS]
                ],
            }
        )
        tables.append(
            ReportTable(
                f"BMAC ({len(bmac):,} procedures): events of the expected catalogue (DOMAIN.md §9)",
                catalogue,
                note="Zero events: the one-sided 95% upper bound, 1 − 0.05^(1/n).",
            )
        )
    return Section(
        key="safety",
        title="Adverse events",
        method=(
            "Rate per 100 procedures = episodes with at least one such event ÷ procedures × "
            "100, with the exact Clopper–Pearson 95% interval (R binom.test); where no event "
            "was seen, the one-sided 95% upper bound 1 − 0.05^(1/n) (R binom.test, "
            "alternative = 'less'). Related: possible, probable or definite for the harvest, "
            "the injection, the product or a medication (DOMAIN.md §9). Events without an "
            "episode are not counted."
        ),
        n=len(episodes),
        tables=tables,
        notes=notes,
    )
