"""A report as JSON, CSV, XLSX, a printable HTML page, or PDF: one renderer for every report.

PDF uses reportlab's built-in Adobe CJK font (STSong-Light), so Chinese prints without
shipping a font file; viewers substitute a local Song/Ming face.
"""

from __future__ import annotations

import html
import io
from typing import Any

from helpline.adapters import tabular
from helpline.app.reports.report import FORMATS, Report
from helpline.domain.errors import Invalid

MEDIA_TYPES = {**tabular.MEDIA_TYPES, "html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return str(value)


PRINT_CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2rem;color:#111}
h1{font-size:1.4rem;margin:0 0 .3rem}.meta{color:#555;font-size:.85rem;margin-bottom:1rem}
table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left}th{background:#eee}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.notes{margin-top:1rem;font-size:.8rem;color:#333}
@media print{body{margin:0}.noprint{display:none}thead{display:table-header-group}
tr{page-break-inside:avoid}@page{size:A4 landscape;margin:12mm}}
"""


def to_html(report: Report) -> str:
    params = " · ".join(f"{k}: {html.escape(str(v))}" for k, v in report.params.items() if v)
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in report.columns)
    body = []
    for row in report.rows:
        cells = []
        for key, _ in report.columns:
            value = row.get(key)
            cls = ' class="num"' if isinstance(value, int | float) else ""
            cells.append(f"<td{cls}>{html.escape(_fmt(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    notes = "".join(f"<p>{html.escape(n)}</p>" for n in report.notes)
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(report.title)}</title><style>{PRINT_CSS}</style></head><body>"
        f'<button class="noprint" onclick="window.print()">打印 Print</button>'
        f'<h1>{html.escape(report.title)}</h1><div class="meta">{params}</div>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f'<div class="notes">{notes}</div></body></html>'
    )


def to_pdf(report: Report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20)
    small = ParagraphStyle("small", fontName=font, fontSize=8, leading=11)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        title=report.title,
        leftMargin=28,
        rightMargin=28,
        topMargin=28,
        bottomMargin=28,
    )
    data = [[Paragraph(html.escape(_fmt(v)), small) for v in row] for row in report.table()]
    table = Table(data, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    params = " · ".join(f"{k}: {v}" for k, v in report.params.items() if v)
    story = [
        Paragraph(html.escape(report.title), title),
        Paragraph(html.escape(params), small),
        Spacer(1, 8),
        table,
    ]
    story += [Spacer(1, 6)] + [Paragraph(html.escape(n), small) for n in report.notes]
    doc.build(story)
    return out.getvalue()


class ReportRenderer:
    """The renderer as the app's port (``helpline.app.reports.ports.Renderer``)."""

    def render(self, report: Report, fmt: str) -> tuple[bytes, str]:
        return render(report, fmt)


def render(report: Report, fmt: str) -> tuple[bytes, str]:
    """The report's bytes and media type in ``fmt``."""
    if fmt not in FORMATS:
        raise Invalid("unsupported_format", f"format is one of {', '.join(FORMATS)}", field="format")
    if fmt == "html":
        data = to_html(report).encode("utf-8")
    elif fmt == "pdf":
        data = to_pdf(report)
    elif fmt == "json":
        import json

        data = json.dumps(report.as_dict(), ensure_ascii=False, default=str).encode("utf-8")
    else:
        data = tabular.write_table(fmt, report.table(), sheet=report.key)
    return data, MEDIA_TYPES.get(fmt, "application/json")
