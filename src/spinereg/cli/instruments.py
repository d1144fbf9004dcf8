"""`spinereg instruments`: list, load a clinic's licensed wording, re-score stored responses."""

import json
from pathlib import Path

import click

from spinereg.cli.main import clean_errors, setup_django


@click.group()
def instruments() -> None:
    """Outcome instruments: list, load licensed text, re-score."""


@instruments.command("list")
def instruments_list() -> None:
    """The shipped instruments with their versions."""
    from spinereg.core import instruments as catalogue

    for instrument_id in catalogue.instrument_ids():
        instrument = catalogue.load_instrument(instrument_id)
        versions = ", ".join(catalogue.instrument_versions(instrument_id))
        click.echo(
            f"{instrument_id:<10} versions {versions:<10} items {', '.join(instrument.link_ids)}"
        )


@instruments.command("load-text")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--clinic", "clinic_code", required=True, help="Clinic code that holds the licence.")
@click.option("--version", default=None, help="Instrument version (default: the newest).")
@clean_errors
def instruments_load_text(file: Path, clinic_code: str, version: str | None) -> None:
    """Load licensed wording (JSON overlay: instrument, language, licence, items) for a clinic."""
    setup_django()
    from spinereg.registry.accounts.models import Clinic
    from spinereg.registry.instruments.services import licensed_text_load

    clinic = Clinic.objects.filter(code=clinic_code).first()
    if clinic is None:
        raise click.ClickException(f"clinic: no clinic with code {clinic_code!r} (exists)")
    try:
        overlay = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise click.ClickException(f"file: not valid JSON ({error}) (json)") from None
    text = licensed_text_load(clinic=clinic, overlay=overlay, actor=None, version=version)
    click.echo(f"loaded {text.instrument_id} {text.version} ({text.language}) for {clinic.name}")


@instruments.command("rescore")
@click.option("--fail-on-difference", is_flag=True, help="Exit 1 when any score differs.")
@clean_errors
def instruments_rescore(fail_on_difference: bool) -> None:
    """Recompute every stored score and report each one that differs from what is stored."""
    setup_django()
    from spinereg.registry.instruments.services import responses_rescore
    from spinereg.registry.outcomes.models import QuestionnaireResponse

    total = QuestionnaireResponse.objects.filter(status="complete").count()
    differences = 0
    for difference in responses_rescore():
        differences += 1
        click.echo(
            f"response {difference.response_id} {difference.instrument_id} "
            f"{difference.field}: stored {difference.stored} → recomputed "
            f"{difference.recomputed}"
        )
    click.echo(f"re-scored {total:,} responses: {differences:,} differences")
    if differences and fail_on_difference:
        raise SystemExit(1)
