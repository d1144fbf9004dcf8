"""Django apps of the registry: models, services (writes), selectors (reads), access, audit."""
