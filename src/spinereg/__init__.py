"""spinereg: registry and clinic workflow for bone marrow aspirate concentrate (BMAC) therapy of
the spine. BMAC for the spine is investigational; spinereg supports clinical decisions and does
not make them."""

__version__ = "0.1.0"
