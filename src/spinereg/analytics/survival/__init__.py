"""Survival analysis of registry follow-up: Kaplan–Meier curves, the log-rank test and the Cox
proportional-hazards model, each matching R's survival package (checked against survival 3.5 in
tests/known_answers/survival_reference.R) and vectorised for a million rows.

Modules: `kaplan_meier`, `logrank`, `cox` (with `concordance` for Harrell's C), and `inputs`,
which holds the shared input checks and R's rule for tied times.
"""

from spinereg.analytics.survival.cox import CoxPHFit, cox_ph
from spinereg.analytics.survival.kaplan_meier import KaplanMeierFit, kaplan_meier
from spinereg.analytics.survival.logrank import LogRankResult, logrank

__all__ = ["CoxPHFit", "KaplanMeierFit", "LogRankResult", "cox_ph", "kaplan_meier", "logrank"]
