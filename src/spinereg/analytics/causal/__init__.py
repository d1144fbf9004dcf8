"""Causal estimators for registry comparisons: IPTW and propensity-score matching."""

from spinereg.analytics.causal.matching import MatchResult, propensity_match
from spinereg.analytics.causal.propensity import PropensityModel
from spinereg.analytics.causal.weighting import IptwResult, iptw

__all__ = ["IptwResult", "MatchResult", "PropensityModel", "iptw", "propensity_match"]
