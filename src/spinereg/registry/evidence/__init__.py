"""The network's published-literature table (BMAC and comparator studies), its audited loading
and correction, and the evidence synthesis read by the researcher and patient pages."""
