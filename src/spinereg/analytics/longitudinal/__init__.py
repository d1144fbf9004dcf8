"""Longitudinal outcome models: the linear mixed model of repeated ODI/NRS over follow-up."""

from spinereg.analytics.longitudinal.mixed_model import MixedModelResult, mixed_model

__all__ = ["MixedModelResult", "mixed_model"]
