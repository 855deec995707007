"""Reading the cells of a 任务分解表 as offices write them: the columns (with their usual
aliases), several names in one cell, the 周期 (dates and deadlines: :mod:`chuangcheng.officedates`)."""

from ..models import Recurrence

COLUMNS = {
    "number": ["序号", "编号", "number"],
    "title": ["任务名称", "工作任务", "重点任务", "任务内容", "具体任务", "工作内容", "title"],
    "completion_standard": ["完成标准", "工作标准", "目标要求", "工作要求", "具体标准", "completion_standard"],
    "indicators": ["指标编号", "对应指标", "测评指标", "indicators"],
    "lead_unit": ["牵头单位", "牵头部门", "lead_unit"],
    "owner_units": ["责任单位", "责任部门", "承办单位", "owner_units"],
    "cooperating_units": ["配合单位", "配合部门", "协办单位", "cooperating_units"],
    "leader": ["责任领导", "分管领导", "包保领导", "牵头领导", "leader"],
    "start_date": ["开始日期", "开始时间", "启动时间", "start_date"],
    "deadline": ["完成时限", "时限要求", "完成时间", "完成期限", "办结时限", "deadline"],
    "period": ["周期", "报送周期", "工作频次", "频次", "period"],
    "region": ["区域", "所属区域", "实施区域", "region"],
    "contact_name": ["联系人", "contact_name"],
    "contact_phone": ["联系电话", "电话", "contact_phone"],
}
REQUIRED = ["title", "owner_units", "deadline"]

PERIODS = {
    "每周": Recurrence.WEEKLY,
    "周": Recurrence.WEEKLY,
    "每星期": Recurrence.WEEKLY,
    "weekly": Recurrence.WEEKLY,
    "每月": Recurrence.MONTHLY,
    "月": Recurrence.MONTHLY,
    "月度": Recurrence.MONTHLY,
    "monthly": Recurrence.MONTHLY,
    "每季度": Recurrence.QUARTERLY,
    "每季": Recurrence.QUARTERLY,
    "季度": Recurrence.QUARTERLY,
    "quarterly": Recurrence.QUARTERLY,
}
_PAREN_OPEN, _PAREN_CLOSE = "（(", "）)"
_SEPARATORS = "、,，;；/\n"


def split_names(text):
    """``甲局、乙局，各县（市、区）`` → ``["甲局", "乙局", "各县（市、区）"]``: separators inside
    brackets do not split."""
    names, current, depth = [], [], 0
    for char in text or "":
        if char in _PAREN_OPEN:
            depth += 1
        elif char in _PAREN_CLOSE:
            depth = max(depth - 1, 0)
        if char in _SEPARATORS and depth == 0:
            names.append("".join(current))
            current = []
        else:
            current.append(char)
    names.append("".join(current))
    return [n.strip() for n in names if n.strip()]


def parse_period(text):
    text = (text or "").strip()
    return PERIODS.get(text, PERIODS.get(text.lower())) if text else ""
