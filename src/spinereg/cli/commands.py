"""The list of `spinereg` subcommands; each lives in its own module."""

import click

from spinereg.cli.demo import demo
from spinereg.cli.evidence import evidence
from spinereg.cli.export import export
from spinereg.cli.followup import schedule, serve, worker
from spinereg.cli.instruments import instruments
from spinereg.cli.report import report
from spinereg.cli.synth import synth
from spinereg.cli.token import token

ALL: list[click.Command] = [
    demo,
    synth,
    token,
    instruments,
    worker,
    serve,
    schedule,
    export,
    report,
    evidence,
]
