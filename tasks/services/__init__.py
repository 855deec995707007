"""Every write to the ledger. One keyword-only function per action, each in one transaction:
lock the task, check the workflow table and the permission predicate, save with
``update_fields``, write the :class:`~tasks.models.TaskEvent`, notify.

Refusals raise :class:`~chuangcheng.exceptions.ApplicationError` worded for a unit clerk.

Modules: :mod:`.common` (lock, check, event, notices), :mod:`.creation`, :mod:`.progress`
(report, submit, accept, return), :mod:`.management` (deadline, owner unit, 批示, decompose,
edit), :mod:`.recurrence` (常态化 occurrences), :mod:`.leaders` (领导包保 of a task).
"""

from .common import ACTION_LABELS, STATE_LABELS, _carried_by_parts
from .creation import _create, task_create
from .leaders import task_leader_assign, task_leader_remove
from .management import (
    EDITABLE_FIELDS,
    EDITABLE_RELATIONS,
    task_change_deadline,
    task_decompose,
    task_instruct,
    task_reassign,
    task_update,
)
from .progress import task_accept, task_report, task_return, task_submit
from .recurrence import next_occurrence, task_generate_occurrences

__all__ = [
    "ACTION_LABELS",
    "EDITABLE_FIELDS",
    "EDITABLE_RELATIONS",
    "STATE_LABELS",
    "_carried_by_parts",
    "_create",
    "next_occurrence",
    "task_accept",
    "task_change_deadline",
    "task_create",
    "task_decompose",
    "task_generate_occurrences",
    "task_instruct",
    "task_leader_assign",
    "task_leader_remove",
    "task_reassign",
    "task_report",
    "task_return",
    "task_submit",
    "task_update",
]
