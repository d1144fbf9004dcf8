"""The list of `spinereg` subcommands; each lives in its own module."""

import click

from spinereg.cli.demo import demo
from spinereg.cli.instruments import instruments
from spinereg.cli.synth import synth
from spinereg.cli.token import token

ALL: list[click.Command] = [demo, synth, token, instruments]
