"""`spinereg report`: the registry report (HTML, and PDF with --pdf) for one clinic or the
whole network, from the database or from an analysis dataset on disk, with a progress bar."""

import time
from pathlib import Path

import click
from tqdm import tqdm

from spinereg.cli.main import clean_errors, setup_django


@click.command("report")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="HTML file to write (self-contained, figures inline).",
)
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the report as a PDF.",
)
@click.option(
    "--clinic",
    "clinics",
    multiple=True,
    help="Clinic code (repeat for several) [default: the whole network].",
)
@click.option(
    "--dataset",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Read an analysis dataset written by `spinereg export analysis` instead of the database.",
)
@click.option(
    "--literature",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Literature table CSV (bmac_spine_studies.csv format) for the evidence section "
    "[default: the table loaded with `spinereg evidence load`; with --dataset, none and the "
    "section is left out].",
)
@clean_errors
def report(
    out: Path,
    pdf_path: Path | None,
    clinics: tuple[str, ...],
    dataset: Path | None,
    literature: Path | None,
) -> None:
    """Write the registry report: cohort, trajectories, responders, durability, Cox, IPTW,
    dose-response, adverse events, attrition, and the published evidence beside the registry.
    A section whose data are unusable shows why; the rest of the report is written."""
    from spinereg.analytics.meta import read_literature
    from spinereg.analytics.report import SECTIONS, build_report, render_html, render_pdf
    from spinereg.interop.analysis_dataset import (
        filter_clinics,
        problems,
        read_analysis_dataset,
    )

    started = time.perf_counter()
    with_evidence = dataset is None or literature is not None
    steps = 1 + len(SECTIONS) + int(with_evidence) + 1 + (1 if pdf_path else 0)
    with tqdm(total=steps, unit="step", desc="report") as bar:
        bar.set_postfix_str("reading data")
        if dataset is not None:
            data = read_analysis_dataset(dataset)
            if clinics:
                data = filter_clinics(data, clinics)
        else:
            setup_django()
            from spinereg.registry.exports import analysis_dataset_for_clinics

            data = analysis_dataset_for_clinics(list(clinics) or None)
        table = None
        if literature is not None:
            table = read_literature(literature)
        elif dataset is None:
            from spinereg.registry.evidence.selectors import literature_frame

            table = literature_frame()
        bar.update()
        found = [str(problem) for problem in problems(data.frames())]
        codes = data.metadata.get("clinics") or []
        scope = ", ".join(codes) if codes else "whole network"

        def advance(key: str) -> None:
            bar.set_postfix_str(key)
            bar.update()

        built = build_report(
            data,
            scope=scope,
            synthetic=data.is_synthetic,
            dataset_problems=found,
            progress=advance,
            literature=table,
        )
        bar.set_postfix_str("html")
        out.write_text(render_html(built), encoding="utf-8")
        bar.update()
        if pdf_path is not None:
            bar.set_postfix_str("pdf")
            render_pdf(built, pdf_path)
            bar.update()
    failed = [section.title for section in built.sections if section.error]
    click.echo(
        f"report written to {out}"
        + (f" and {pdf_path}" if pdf_path else "")
        + f" in {time.perf_counter() - started:.1f} s"
    )
    if failed:
        click.echo(f"sections not computed (see the report for why): {', '.join(failed)}")
    if not with_evidence:
        click.echo("evidence section left out: pass --literature FILE to include it")
