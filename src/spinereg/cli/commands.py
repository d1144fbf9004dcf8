"""The list of `spinereg` subcommands; each lives in its own module."""

import click

from spinereg.cli.demo import demo
from spinereg.cli.token import token

ALL: list[click.Command] = [demo, token]
