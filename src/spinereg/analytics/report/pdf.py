"""The report as a PDF, drawn by matplotlib's PdfPages (no browser, no LaTeX): a title page
with the statements, then per section a page of method, n and notes (or the error), each
figure on its own page, and tables paginated as matplotlib tables on US-letter pages."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from spinereg.analytics.report.model import SYNTHETIC_STATEMENT, Report, ReportTable, Section
from spinereg.analytics.report.style import print_style

PAGE_SIZE_IN = (8.5, 11.0)
ROWS_PER_PAGE = 28
WRAP_COLUMNS = 95


def _save(figure: Figure, pdf: PdfPages) -> None:
    """Add `figure` as a page. PdfPages.savefig is what matplotlib documents for this; its
    stubs leave it unannotated, hence the one ignore here."""
    pdf.savefig(figure)  # type: ignore[no-untyped-call]


class _Writer:
    """Flows wrapped text down letter pages, starting a new page when one is full."""

    def __init__(self, pdf: PdfPages) -> None:
        self.pdf = pdf
        self.figure: Figure | None = None
        self.y = 0.0

    def _new_page(self) -> None:
        self.flush()
        self.figure = Figure(figsize=PAGE_SIZE_IN)
        self.y = 0.94

    def write(
        self, text: str, *, size: float = 9.5, weight: str = "normal", color: str = "#1b1b1b"
    ) -> None:
        width = int(WRAP_COLUMNS * 9.5 / size)
        lines = textwrap.wrap(text, width) or [""]
        step = size * 1.45 / 72 / PAGE_SIZE_IN[1]
        if self.figure is None:
            self._new_page()
        for line in lines:
            if self.y < 0.06:
                self._new_page()
            assert self.figure is not None
            self.figure.text(
                0.08, self.y, line, fontsize=size, weight=weight, color=color, va="top"
            )
            self.y -= step
        self.y -= step * 0.5

    def flush(self) -> None:
        if self.figure is not None:
            _save(self.figure, self.pdf)
            self.figure = None


def _layout(
    frame: pd.DataFrame, usable_chars: float
) -> tuple[list[int], list[list[str]], list[str]]:
    """Column widths in characters that fit the page, and the wrapped cells and headers."""
    texts = frame.to_numpy().tolist()
    natural = []
    for position, column in enumerate(frame.columns):
        longest = max([len(str(row[position])) for row in texts] + [1])
        header = max(len(word) for word in str(column).split() or [""])
        natural.append(max(min(longest, 38), header, 4))
    scale = min(1.0, usable_chars / sum(natural))
    widths = [max(4, int(width * scale)) for width in natural]
    cells = [
        [textwrap.fill(str(value), width) for value, width in zip(row, widths, strict=True)]
        for row in texts
    ]
    headers = [
        textwrap.fill(str(column), width)
        for column, width in zip(frame.columns, widths, strict=True)
    ]
    return widths, cells, headers


def _table_pages(pdf: PdfPages, table: ReportTable, section_title: str) -> None:
    """Tables drawn cell by cell with widths from their text, wrapped to fit; wide tables on
    landscape pages; rows carried to further pages when a page is full."""
    frame = table.frame.astype(str)
    if frame.empty:
        return
    landscape = len(frame.columns) > 6
    width_in, height_in = (PAGE_SIZE_IN[1], PAGE_SIZE_IN[0]) if landscape else PAGE_SIZE_IN
    font_size = 6.5 if len(frame.columns) > 5 else 7.5
    usable_in = width_in - 0.9
    usable_chars = usable_in * 72 / (font_size * 0.62)
    widths, cells, headers = _layout(frame, usable_chars)
    line_in = font_size * 1.35 / 72
    fractions = [width / sum(widths) for width in widths]
    header_lines = max(header.count("\n") + 1 for header in headers)
    row_lines = [max(cell.count("\n") + 1 for cell in row) for row in cells]
    available_in = height_in - 1.4
    pages: list[list[int]] = [[]]
    used = header_lines * line_in
    for index, lines in enumerate(row_lines):
        needed = lines * line_in + 0.05
        if pages[-1] and used + needed > available_in:
            pages.append([])
            used = header_lines * line_in
        pages[-1].append(index)
        used += needed
    for number, rows in enumerate(pages, start=1):
        figure = Figure(figsize=(width_in, height_in))
        suffix = f" (continued, {number}/{len(pages)})" if len(pages) > 1 else ""
        figure.text(
            0.45 / width_in,
            1 - 0.4 / height_in,
            f"{section_title}: {table.title}{suffix}",
            fontsize=10,
            weight="bold",
            va="top",
        )
        axes = figure.add_axes(
            (0.45 / width_in, 0.6 / height_in, usable_in / width_in, available_in / height_in)
        )
        axes.set_axis_off()
        drawn = axes.table(
            cellText=[cells[row] for row in rows],
            colLabels=headers,
            colWidths=fractions,
            loc="upper center",
            cellLoc="left",
        )
        drawn.auto_set_font_size(False)
        drawn.set_fontsize(font_size)
        line_fraction = line_in / available_in
        for (row, _), cell in drawn.get_celld().items():
            lines = header_lines if row == 0 else row_lines[rows[row - 1]]
            cell.set_height(lines * line_fraction + 0.05 / available_in)
            cell.set_linewidth(0.4)
            cell.get_text().set_verticalalignment("center")
            if row == 0:
                cell.set_facecolor("#f0f3f7")
        if table.note:
            figure.text(0.45 / width_in, 0.3 / height_in, table.note, fontsize=7.5, color="#6b4e00")
        _save(figure, pdf)


def _section_pages(pdf: PdfPages, writer: _Writer, section: Section) -> None:
    writer.write(section.title, size=14, weight="bold")
    if section.error is not None:
        writer.write("This section could not be computed: " + section.error, color="#a3120b")
        writer.flush()
        return
    if section.n is not None:
        writer.write(f"n = {section.n:,}", weight="bold")
    if section.method:
        writer.write("Method. " + section.method)
    for note in section.notes:
        writer.write("Note: " + note, size=8.5, color="#6b4e00")
    writer.flush()
    for item in section.figures:
        _save(item.figure, pdf)
    for table in section.tables:
        _table_pages(pdf, table, section.title)


def render_pdf(report: Report, path: Path) -> None:
    """Write the report to `path`."""
    with (
        print_style(),
        PdfPages(path, metadata={"Title": report.title, "Creator": "spinereg"}) as pdf,
    ):
        writer = _Writer(pdf)
        writer.write(report.title, size=18, weight="bold")
        writer.write(f"Scope: {report.scope}")
        if report.synthetic:
            writer.write(SYNTHETIC_STATEMENT, weight="bold", color="#a3120b")
        writer.write(report.statement, color="#6b4e00")
        for problem in report.dataset_problems:
            writer.write("Dataset: " + problem, size=8.5, color="#6b4e00")
        writer.write("Sections", size=12, weight="bold")
        for number, section in enumerate(report.sections, start=1):
            status = " (not computed)" if section.error else ""
            writer.write(f"{number}. {section.title}{status}")
        writer.flush()
        for section in report.sections:
            _section_pages(pdf, writer, section)
