"""The report as one self-contained HTML page: figures inline as SVG (text stays text), tables
as HTML, no scripts, no external files. Rendered with `string.Template` and `html.escape`:
no template engine, so the analytics layer stays free of Django and Jinja."""

from __future__ import annotations

import html
from collections.abc import Callable
from string import Template

from spinereg.analytics.report.model import SYNTHETIC_STATEMENT, Report, Section
from spinereg.analytics.report.style import figure_svg

PAGE = Template(
    """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>$style</style>
</head>
<body>
<main class="report">
$body
</main>
</body>
</html>
"""
)
STYLE = """
.report { font-family: system-ui, sans-serif; max-width: 60rem; margin: 0 auto; padding: 1rem;
  color: #1b1b1b; line-height: 1.45; }
.report h1 { font-size: 1.6rem; } .report h2 { border-bottom: 1px solid #ccc; margin-top: 2.2rem; }
.report .statement { background: #fff7e0; border-left: 4px solid #b07800; padding: .6rem .9rem; }
.report .synthetic { background: #fde8e8; border-left: 4px solid #a3120b; padding: .6rem .9rem;
  font-weight: 600; }
.report .error { background: #fde8e8; border-left: 4px solid #a3120b; padding: .6rem .9rem; }
.report .note { color: #6b4e00; font-size: .92rem; }
.report .method { font-size: .95rem; }
.report figure { margin: 1rem 0; } .report figure svg { width: 100%; height: auto; }
.report figcaption { font-size: .85rem; color: #333; }
.report table { border-collapse: collapse; font-size: .82rem; margin: .5rem 0 1rem; }
.report th, .report td { border: 1px solid #ccc; padding: .2rem .45rem; text-align: left;
  vertical-align: top; }
.report th { background: #f0f3f7; } .report nav ol { columns: 2; }
"""


def _section_html(section: Section, render_svg: Callable[..., str]) -> str:
    parts = [f'<section id="{html.escape(section.key)}">', f"<h2>{html.escape(section.title)}</h2>"]
    if section.error is not None:
        parts.append(
            f'<p class="error" role="alert"><strong>This section could not be computed:</strong> '
            f"{html.escape(section.error)}</p>"
        )
        parts.append("</section>")
        return "\n".join(parts)
    if section.n is not None:
        parts.append(f"<p><strong>n = {section.n:,}</strong></p>")
    if section.method:
        parts.append(
            f'<p class="method"><strong>Method.</strong> {html.escape(section.method)}</p>'
        )
    for note in section.notes:
        parts.append(f'<p class="note">Note: {html.escape(note)}</p>')
    for item in section.figures:
        parts.append(
            f"<figure>{render_svg(item.figure)}<figcaption><strong>{html.escape(item.title)}."
            f"</strong> {html.escape(item.caption)}</figcaption></figure>"
        )
    for table in section.tables:
        parts.append(f"<h3>{html.escape(table.title)}</h3>")
        parts.append(table.frame.to_html(index=False, escape=True, border=0, na_rep="–"))
        if table.note:
            parts.append(f'<p class="note">{html.escape(table.note)}</p>')
    parts.append("</section>")
    return "\n".join(parts)


def report_body(report: Report, render_svg: Callable[..., str] = figure_svg) -> str:
    """The report's HTML without the page around it (the web page embeds this)."""
    parts = [f"<h1>{html.escape(report.title)}</h1>", f"<p>Scope: {html.escape(report.scope)}</p>"]
    if report.synthetic:
        parts.append(f'<p class="synthetic">{html.escape(SYNTHETIC_STATEMENT)}</p>')
    parts.append(f'<p class="statement">{html.escape(report.statement)}</p>')
    if report.dataset_problems:
        items = "".join(f"<li>{html.escape(problem)}</li>" for problem in report.dataset_problems)
        parts.append(
            f'<div class="note"><p>The analysis dataset departs from its schema; sections that '
            f"need what is missing say so:</p><ul>{items}</ul></div>"
        )
    contents = "".join(
        f'<li><a href="#{html.escape(s.key)}">{html.escape(s.title)}</a>'
        + (" (not computed)" if s.error else "")
        + "</li>"
        for s in report.sections
    )
    parts.append(f'<nav aria-label="Sections"><ol>{contents}</ol></nav>')
    parts.extend(_section_html(section, render_svg) for section in report.sections)
    return "\n".join(parts)


def report_style() -> str:
    return STYLE


def render_html(report: Report) -> str:
    """The whole page."""
    return PAGE.substitute(title=html.escape(report.title), style=STYLE, body=report_body(report))
