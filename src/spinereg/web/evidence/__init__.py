"""Web pages of the evidence synthesis: the researcher's literature table and the public patient
evidence page."""
