"""Ledger pages: 我的待办, 任务台账 (+ .xlsx export), the task page, its actions, the import.

Thin: reads come from :mod:`tasks.selectors` (everything starts from ``visible_to(user)``),
writes go through :mod:`tasks.services`. Every action view is POST only, finds the task among
the tasks the person may see (out of scope: 404, as for a task that does not exist) and calls
one service; its refusal is shown next to the field it names (400), as a message (403), or as
"the task has changed" (409). Nothing here saves a model.

With htmx (the cards of 我的待办) an action answers with the task's card; without, with the page.

One module per page family: :mod:`.common` (task rows, refusals), :mod:`.my_work`,
:mod:`.ledger`, :mod:`.detail` (the task page and its actions), :mod:`.imports`.
"""

from .common import TaskRow, can_view_ledger, message_page
from .detail import action_form, attachment, detail, task_action
from .imports import import_page, import_template
from .ledger import export, ledger
from .my_work import my_work

__all__ = [
    "TaskRow",
    "action_form",
    "attachment",
    "can_view_ledger",
    "detail",
    "export",
    "import_page",
    "import_template",
    "ledger",
    "message_page",
    "my_work",
    "task_action",
]
