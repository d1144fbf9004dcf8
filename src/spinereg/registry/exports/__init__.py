"""Exports of registry data for analysis: the de-identified analysis dataset
(`spinereg.interop.analysis_dataset`), read from the database scoped by clinic."""

from spinereg.registry.exports.analysis import (
    analysis_dataset_for_clinic_ids,
    analysis_dataset_for_clinics,
    analysis_tables,
    research_analysis_dataset,
)

__all__ = [
    "analysis_dataset_for_clinic_ids",
    "analysis_dataset_for_clinics",
    "analysis_tables",
    "research_analysis_dataset",
]
