"""A briefing's outputs: what the page shows (:mod:`.context`), the PDF (:mod:`.pdf`,
WeasyPrint), the Word file (:mod:`.word`, official-document layout) and the Excel workbook
(:mod:`.excel`). All render the frozen ``Briefing.content``; none computes a figure."""

from .context import SECTIONS, attachment_titles, briefing_context, figure_lines, typical_items
from .excel import briefing_xlsx
from .pdf import briefing_html, briefing_pdf, pdf_problem
from .word import briefing_docx

__all__ = [
    "SECTIONS",
    "attachment_titles",
    "briefing_context",
    "briefing_docx",
    "briefing_html",
    "briefing_pdf",
    "briefing_xlsx",
    "figure_lines",
    "pdf_problem",
    "typical_items",
]
