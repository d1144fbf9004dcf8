"""Evidence synthesis: effect sizes, pooled (random-effects) estimates, subgroup and
sensitivity analyses, forest plots, and the published BMAC literature table.

Every number is computed as R's metafor package computes it (escalc, rma, predict, weights,
leave1out, cumul, regtest) and checked against it in tests/known_answers/meta_*.R; see
docs/evidence-synthesis.md.
"""

from spinereg.analytics.meta.effect_sizes import EffectSizes, Exclusion, effect_size
from spinereg.analytics.meta.errors import ConvergenceError, MetaAnalysisWarning
from spinereg.analytics.meta.forest import forest_plot, save_figure
from spinereg.analytics.meta.literature import (
    LiteratureSelection,
    literature_effect_inputs,
    literature_effect_sizes,
    read_literature,
)
from spinereg.analytics.meta.pooling import RandomEffectsResult, random_effects
from spinereg.analytics.meta.sensitivity import (
    cumulative,
    leave_one_out,
    sensitivity_over_correlation,
)
from spinereg.analytics.meta.small_study import EggerTest, egger_test
from spinereg.analytics.meta.subgroups import ModeratorTest, SubgroupAnalysis, subgroup_analysis

__all__ = [
    "ConvergenceError",
    "EffectSizes",
    "EggerTest",
    "Exclusion",
    "LiteratureSelection",
    "MetaAnalysisWarning",
    "ModeratorTest",
    "RandomEffectsResult",
    "SubgroupAnalysis",
    "cumulative",
    "effect_size",
    "egger_test",
    "forest_plot",
    "leave_one_out",
    "literature_effect_inputs",
    "literature_effect_sizes",
    "random_effects",
    "read_literature",
    "save_figure",
    "sensitivity_over_correlation",
    "subgroup_analysis",
]
