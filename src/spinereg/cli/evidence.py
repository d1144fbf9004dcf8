"""`spinereg evidence load FILE` and `spinereg evidence report --out DIR`: the literature table
(all rows of a CSV or none, every change audited) and the evidence report (forest plots as PNG
and SVG, included/excluded rows with reasons as CSV, an index.html)."""

import html
from pathlib import Path

import click

from spinereg.cli.main import clean_errors, setup_django


@click.group()
def evidence() -> None:
    """The published-literature table and the evidence synthesis."""


@evidence.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", default="", help="Why the table changes (audited).")
@clean_errors
def load(file: Path, reason: str) -> None:
    """Load a literature CSV (bmac_spine_studies.csv columns): new rows are added, changed rows
    updated, each change audited. A bad file is rejected whole, naming row and column."""
    setup_django()
    from spinereg.registry.evidence.services import literature_load

    counts = literature_load(
        file.read_text(encoding="utf-8"),
        actor=None,
        reason=reason or f"literature load from {file.name}",
        file_name=file.name,
    )
    click.echo(
        f"{file.name}: {counts['created']} rows added, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged"
    )


@evidence.command("report")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--clinic", "clinic_code", default=None, help="Clinic code for the registry row.")
@clean_errors
def report(out_dir: Path, clinic_code: str | None) -> None:
    """Write forest plots (PNG, SVG), rows.csv (included and excluded, with reasons), the
    sensitivity tables of each pool (subgroups, leave-one-out, cumulative by year; CSV) and
    index.html for the current literature table and the registry's own results."""
    setup_django()
    from spinereg.analytics.meta.forest import save_figure
    from spinereg.analytics.meta.pool_checks import checks_text, pool_checks
    from spinereg.analytics.meta.presentation import included_excluded_frame
    from spinereg.analytics.meta.synthesis import pool_figure
    from spinereg.registry.accounts.models import Clinic
    from spinereg.registry.evidence.selectors import evidence_summary

    clinics = Clinic.objects.all()
    if clinic_code:
        clinics = clinics.filter(code=clinic_code)
        if not clinics.exists():
            raise click.ClickException(f"clinic: no clinic with code {clinic_code!r}")
    label = clinic_code or "Network registry"
    summary = evidence_summary(list(clinics.values_list("pk", flat=True)), label)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = []
    checks: dict[str, list[str]] = {}
    for pool in summary.synthesis.pooled:
        figure = pool_figure(pool, summary.registry)
        for suffix in ("png", "svg"):
            save_figure(figure, out_dir / f"forest_{pool.key}.{suffix}")
        figures.append(pool)
        found = pool_checks(pool)
        checks[pool.key] = checks_text(found)
        tables = {"subgroups": found.subgroups, "leave_one_out": found.leave_one_out,
                  "cumulative": found.cumulative}  # fmt: skip
        for name, table in tables.items():
            if table is not None and not table.empty:
                table.to_csv(out_dir / f"{name}_{pool.key}.csv", index=False)
    rows = included_excluded_frame(summary.synthesis)
    rows.to_csv(out_dir / "rows.csv", index=False)
    items = "".join(
        f"<h2>{html.escape(pool.title)}</h2><p>k = {pool.k}</p>"
        f'<img src="forest_{pool.key}.svg" alt="{html.escape(pool.title)}" width="720">'
        "<h3>Sensitivity</h3><ul>"
        + "".join(f"<li>{html.escape(line)}</li>" for line in checks[pool.key])
        + "</ul>"
        for pool in figures
    )
    not_pooled = "".join(
        f"<li>{html.escape(pool.title)}: {html.escape(pool.not_pooled_reason)}</li>"
        for pool in summary.synthesis.pools
        if pool.result is None
    )
    page = (
        "<!doctype html><meta charset='utf-8'><title>Evidence synthesis</title>"
        "<h1>Evidence synthesis</h1><p>BMAC for the spine is investigational. Registry rows are "
        "shown beside the pooled estimates and never pooled with them.</p>"
        f"{items}<h2>Not pooled</h2><ul>{not_pooled}</ul>"
        "<p>Included and excluded rows with reasons: <a href='rows.csv'>rows.csv</a></p>"
    )
    (out_dir / "index.html").write_text(page, encoding="utf-8")
    click.echo(
        f"{out_dir}: {len(figures)} forest plots, {len(rows)} rows "
        f"({int((rows.status == 'excluded').sum())} excluded)"
    )
