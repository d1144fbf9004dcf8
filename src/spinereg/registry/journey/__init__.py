"""The first half of the patient journey: availability and consultation bookings, the
pre-screen with its candidacy result, the physician's candidacy decision and red-flag alerts."""
