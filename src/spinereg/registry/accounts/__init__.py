"""Clinics, users, roles and per-clinic membership, and API tokens."""
