"""Questionnaire responses with their scores, and adverse events."""
