"""Import a 任务分解表 (.xlsx, CSV) into a campaign's ledger — as offices write it.

Columns (aliases accepted, see :data:`.cells.COLUMNS`): 序号, 任务名称, 完成标准, 指标编号, 牵头单位,
责任单位, 配合单位, 责任领导, 开始日期, 完成时限, 周期, 区域, 联系人, 联系电话.

- Units by full name, 简称/alias, group word (各区人民政府 → every district government in the
  campaign's territory, one child task each) or an inferred abbreviation (住建局), which is
  remembered as an alias once the import is confirmed (:mod:`chuangcheng.org.matching`).
- Deadlines in office language (:func:`.cells.parse_deadline`): 2027年1月底前, 12月31日前, 年底前,
  立行立改 (today's working day), 长期坚持/常态化 (to the target date, recurring by 周期).
- 责任领导 must be a person with a leader membership; otherwise the row is an error — or, when
  unlinked leaders are allowed, a warning and a task marked 未关联.
- Blank 区域: the responsible unit's region.
- A row naming several 责任单位 becomes a parent task (owned by the 牵头单位) decomposed into one
  child per unit.

:func:`plan_tasks` is the dry run (what every cell became, or every bad row, by line);
:func:`import_tasks` writes it all in one transaction, skipping rows already imported.
"""

from chuangcheng.officedates import parse_date, parse_deadline

from .cells import COLUMNS, REQUIRED, split_names
from .plan import PlannedTask, TaskPlan, import_key, plan_tasks
from .write import import_tasks

TaskImportResult = TaskPlan  # the name callers used before the plan carried the preview

__all__ = [
    "COLUMNS",
    "REQUIRED",
    "PlannedTask",
    "TaskImportResult",
    "TaskPlan",
    "import_key",
    "import_tasks",
    "parse_date",
    "parse_deadline",
    "plan_tasks",
    "split_names",
]
