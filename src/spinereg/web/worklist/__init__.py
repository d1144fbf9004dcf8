"""Coordinator pages of follow-up: the worklist of overdue and missed visits, resend, contact."""
