"""Follow-up: the schedule planned from a clinic's versioned definition, the outbox of
invitations and reminders with its worker, the patient's signed link, and the worklist reads."""
