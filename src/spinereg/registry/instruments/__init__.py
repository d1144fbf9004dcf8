"""Clinic-loaded licensed questionnaire wording, re-scoring, and questionnaire rendering."""
