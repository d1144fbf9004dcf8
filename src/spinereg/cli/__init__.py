"""The `spinereg` command: one group, one module per command family."""
