"""Inspection pages: the issue list (+ .xlsx export), the issue page and its actions, photo
files, inspection capture on a phone, the inspection list, and the unit's issue queue.

Thin: reads come from :mod:`inspections.selectors` (everything starts from
``visible_to(user)``), writes go through :mod:`inspections.services`. Nothing here saves a model.
"""

from .downloads import inspection_export, inspection_report, inspection_source
from .inspections import (
    capture,
    capture_start,
    capture_suggest,
    capture_worker,
    inspection_detail,
    inspection_list,
    my_queue,
    review_queue,
)
from .issues import issue_action, issue_detail, issue_export, issue_list, photo_file

__all__ = [
    "capture",
    "capture_start",
    "capture_suggest",
    "capture_worker",
    "inspection_detail",
    "inspection_export",
    "inspection_list",
    "inspection_report",
    "inspection_source",
    "issue_action",
    "issue_detail",
    "issue_export",
    "issue_list",
    "my_queue",
    "review_queue",
    "photo_file",
]
