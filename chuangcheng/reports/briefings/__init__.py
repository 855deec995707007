"""Briefings (通报): build a draft, review it, publish it with its 文号, mail it.

- :mod:`.services` — the writes (build, save a draft, publish), subscribers, the PDF loader;
- :mod:`.content` — the snapshot a briefing shows (figures, ranking, lists, 典型问题, breakdowns);
- :mod:`.words` — period, 文号, issuer, title and summary wording.

Outputs (page, PDF, Word, Excel) render the snapshot: :mod:`chuangcheng.reports.outputs`.
"""

from .content import briefing_content
from .services import (
    briefing_build,
    briefing_publish,
    briefing_save_draft,
    briefing_subscribers,
    due_periods,
    pdf_bytes,
    scheduled_regions,
)
from .words import document_number, issuer_name, period_text, summary_text

__all__ = [
    "briefing_build",
    "briefing_content",
    "briefing_publish",
    "briefing_save_draft",
    "briefing_subscribers",
    "document_number",
    "due_periods",
    "issuer_name",
    "pdf_bytes",
    "period_text",
    "scheduled_regions",
    "summary_text",
]
