"""Staff pages of the patient journey: the physician's candidacy decision beside the engine's
result, consent signed in clinic, the clinic's red-flag alerts, bookings and availability."""
