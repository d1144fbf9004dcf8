"""`python -m spinereg.cli …` runs the `spinereg` command."""

from spinereg.cli.main import cli

cli()
