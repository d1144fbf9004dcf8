"""The registry report: sections computed from the analysis dataset (`build_report`), rendered
as a self-contained HTML page (`render_html`, figures as inline SVG) or a PDF (`render_pdf`).
Pure: no Django; the CLI and the web page call these. See docs/registry-report.md."""

from spinereg.analytics.report.build import (
    SECTIONS,
    SectionSpec,
    build_report,
    evidence_spec,
    run_section,
)
from spinereg.analytics.report.html import render_html, report_body, report_style
from spinereg.analytics.report.model import (
    STATEMENT,
    SYNTHETIC_STATEMENT,
    Report,
    ReportFigure,
    ReportTable,
    Section,
)
from spinereg.analytics.report.pdf import render_pdf

__all__ = [
    "SECTIONS",
    "STATEMENT",
    "SYNTHETIC_STATEMENT",
    "Report",
    "ReportFigure",
    "ReportTable",
    "Section",
    "SectionSpec",
    "build_report",
    "evidence_spec",
    "render_html",
    "render_pdf",
    "report_body",
    "report_style",
    "run_section",
]
