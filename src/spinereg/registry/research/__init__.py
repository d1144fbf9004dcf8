"""De-identified reads for researchers: no identity table, no dates, ages capped at 90."""
