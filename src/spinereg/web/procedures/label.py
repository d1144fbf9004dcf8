"""The product label as a PDF: 4 × 2 inch (a common thermal label), with the product ID as a
QR code (segno) and in text, the patient's name, date of birth and record number, and the
expiry time in the clinic's time zone. The QR code is drawn as vector squares, so it stays
sharp on any printer and needs no image library."""

import io
import zoneinfo
from datetime import date, datetime

import segno
from reportlab.lib.units import inch, mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

LABEL_SIZE = (4 * inch, 2 * inch)
QR_QUIET_MODULES = 4  # ISO/IEC 18004 quiet zone


def label_pdf(
    *,
    product_code: str,
    patient_name: str,
    birth_date: date,
    record_number: str,
    harvested_at: datetime,
    expires_at: datetime,
    timezone_name: str,
    clinic_name: str,
) -> bytes:
    zone = zoneinfo.ZoneInfo(timezone_name)
    width, height = LABEL_SIZE
    buffer = io.BytesIO()
    # Uncompressed and invariant: the same product gives the same bytes, and tests can read it.
    canvas = Canvas(buffer, pagesize=LABEL_SIZE, pageCompression=0, invariant=1)
    canvas.setTitle(f"Label {product_code}")

    qr = segno.make(product_code, error="m")
    modules = len(qr.matrix) + 2 * QR_QUIET_MODULES
    qr_size = height - 8 * mm
    module = qr_size / modules
    origin_x, origin_y = width - qr_size - 3 * mm, (height - qr_size) / 2
    for row_index, row in enumerate(qr.matrix):
        for column_index, dark in enumerate(row):
            if dark:
                canvas.rect(
                    origin_x + (column_index + QR_QUIET_MODULES) * module,
                    origin_y + qr_size - (row_index + QR_QUIET_MODULES + 1) * module,
                    module,
                    module,
                    stroke=0,
                    fill=1,
                )

    left, top = 4 * mm, height - 6 * mm
    text_width = origin_x - left - 2 * mm

    def line(text: str, font: str, size: float, y: float) -> None:
        _fitted(canvas, text, font, size, left, y, text_width)

    local_harvest = harvested_at.astimezone(zone)
    local_expiry = expires_at.astimezone(zone)
    line("BMAC · AUTOLOGOUS USE ONLY", "Helvetica-Bold", 8, top)
    line(patient_name, "Helvetica-Bold", 11, top - 5 * mm)
    line(f"DOB {birth_date.isoformat()}   MRN {record_number}", "Helvetica", 8, top - 9 * mm)
    line(product_code, "Courier-Bold", 11, top - 15 * mm)
    line(f"Harvested {local_harvest:%Y-%m-%d %H:%M %Z}", "Helvetica", 7, top - 20 * mm)
    line(f"EXPIRES {local_expiry:%Y-%m-%d %H:%M %Z}", "Helvetica-Bold", 9, top - 25 * mm)
    line(f"{clinic_name} · scan wristband and label before injection", "Helvetica", 6, 4 * mm)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _fitted(
    canvas: Canvas, text: str, font: str, size: float, x: float, y: float, width: float
) -> None:
    """Draw `text` at the largest size up to `size` that fits `width` (down to 5 pt, then
    cut with an ellipsis): a long name must never run under the QR code."""
    while size > 5 and stringWidth(text, font, size) > width:
        size -= 0.5
    while stringWidth(text, font, size) > width and len(text) > 1:
        text = text[:-2] + "…"
    canvas.setFont(font, size)
    canvas.drawString(x, y, text)
