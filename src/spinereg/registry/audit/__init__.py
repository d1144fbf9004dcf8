"""The audit trail: who changed which clinical record, when, from what to what, and why."""
