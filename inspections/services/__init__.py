"""Every write to inspections and issues. One keyword-only function per action, each in one
transaction: lock the issue (``select_for_update`` on what the actor may see — else
not_found), check the workflow table (wrong state → conflict, with the current state) and the
permission predicate (→ forbidden), validate input (→ invalid, naming the field), save with
``update_fields``, write the :class:`~inspections.models.IssueEvent`, notify.

Split by subdomain: :mod:`.intake` (record, 立案, merge, dismiss, 改派), :mod:`.rectification`
(the unit's side and the answers to its requests), :mod:`.verification` (核查, 返工, 反弹),
:mod:`.evidence` (photos), :mod:`.citizen` (随手拍: the public's reports and their status).
"""

from .citizen import citizen_report_create, citizen_report_photo, citizen_report_status
from .evidence import photo_add
from .intake import (
    inspection_create,
    issue_accept,
    issue_assign,
    issue_create,
    issue_dismiss,
    issue_merge,
)
from .rectification import (
    MAX_EXTENSION_WORKING_DAYS,
    issue_approve_extension,
    issue_insist,
    issue_long_term_progress,
    issue_move_long_term,
    issue_reassign,
    issue_refuse_extension,
    issue_request_extension,
    issue_request_reassignment,
    issue_sign,
    issue_submit,
)
from .verification import issue_reject, issue_reopen, issue_verify

__all__ = [
    "MAX_EXTENSION_WORKING_DAYS",
    "citizen_report_create",
    "citizen_report_photo",
    "citizen_report_status",
    "inspection_create",
    "issue_accept",
    "issue_approve_extension",
    "issue_assign",
    "issue_create",
    "issue_dismiss",
    "issue_insist",
    "issue_long_term_progress",
    "issue_merge",
    "issue_move_long_term",
    "issue_reassign",
    "issue_refuse_extension",
    "issue_reject",
    "issue_reopen",
    "issue_request_extension",
    "issue_request_reassignment",
    "issue_sign",
    "issue_submit",
    "issue_verify",
    "photo_add",
]
