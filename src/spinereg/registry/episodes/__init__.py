"""Treatment episodes (BMAC or comparator) and the BMAC procedure-day records."""
