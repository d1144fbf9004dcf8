"""Patient-facing pages without sign-in: what BMAC for the spine is, requesting a consultation,
and, from the signed link in the confirmation e-mail, managing the booking, the pre-screen, its
result and the consent. English and Spanish (`?lang=es`), mobile-first, no external requests."""
