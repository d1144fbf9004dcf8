"""Patients (clinical core), their identity (kept apart), diagnoses, imaging and history."""
