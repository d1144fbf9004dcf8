"""Pages of the BMAC procedure day: the day page that coordinator, technician and physician
fill in turn, the product label PDF, protocols, the standardisation report (page and CSV) and
the safety events of a clinic."""
