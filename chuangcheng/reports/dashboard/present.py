"""How dashboard data reads: the headline's items with their labels and definitions, list items,
the countdown. Plain JSON-ready dicts (times stay ISO for the API; pages and files write them for
people with :mod:`chuangcheng.humantime`)."""

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy

from inspections.models import CLOCK_STATES, Issue

from .. import figures

# (key, label, unit, higher is better); each key is a figure with a printed definition.
HEADLINE = (
    ("issues_in_hand", gettext_lazy("在办问题"), "", False),
    ("issues_open", gettext_lazy("未销号问题"), "", False),
    ("issues_overdue_open", gettext_lazy("超期未改"), "", False),
    ("issues_closed", gettext_lazy("本周销号"), "", True),
    ("on_time_rate", gettext_lazy("按期销号率"), "%", True),
    ("rework_rate", gettext_lazy("返工率"), "%", False),
    ("extension_rate", gettext_lazy("延期率"), "%", False),
    ("tasks_done", gettext_lazy("本周完成任务"), "", True),
    ("tasks_overdue", gettext_lazy("超期未完成任务"), "", False),
    ("tasks_lagging", gettext_lazy("进度滞后任务"), "", False),
)

UNIT_COMPARE = (
    ("score", gettext_lazy("综合得分")),
    ("on_time_rate", gettext_lazy("按期销号率")),
    ("not_overdue_rate", gettext_lazy("在办问题未超期率")),
    ("rework_rate", gettext_lazy("返工率")),
    ("extension_rate", gettext_lazy("延期率")),
    ("issues_overdue_open", gettext_lazy("超期未改")),
    ("tasks_overdue", gettext_lazy("超期未完成任务")),
)

ISSUE_COLUMNS = ("pk", "category__name", "address", "region__name", "responsible_unit__name", "state")
# A list's order: nearest deadline first, the undated last, then the id (a unique order).
BY_DEADLINE = (F("rectification_deadline").asc(nulls_last=True), "pk")


def first_issues(queryset, limit, *columns):
    """The first ``limit`` issues of ``queryset`` by :data:`BY_DEADLINE`, as rows of
    :data:`ISSUE_COLUMNS`, the deadline and ``columns``. The issues are picked from their own
    table and the names (category, region, unit) joined for those rows only: joined before the
    limit, PostgreSQL hashed all 13,046 regions for a street's 150 open items, about 2 ms a list
    at 1,000,000 issues (issue 18, twenty-second pass)."""
    first = queryset.order_by(*BY_DEADLINE).values("pk")[:limit]
    rows = Issue.objects.filter(pk__in=first).order_by(*BY_DEADLINE)
    return rows.values(*ISSUE_COLUMNS, "rectification_deadline", *columns)[:limit]


def today(now):
    return timezone.localtime(now).date()


def countdown(campaign, now):
    return {"target_date": campaign.target_date.isoformat(), "days_left": (campaign.target_date - today(now)).days}


def definitions_of(keys, scoring=None):
    """``{key: definition dict}`` of the figures shown (the API carries them with the numbers)."""
    every = figures.definitions(scoring)
    return {k: every[k].as_dict() for k in keys if k in every}


def headline_items(pair, definitions):
    items = []
    for key, label, unit, higher_better in HEADLINE:
        value, before = pair["this"][key], pair["last"][key]
        change = None if value is None or before is None else round(value - before, 2)
        items.append(
            {
                "key": key,
                "label": str(label),
                "value": value,
                "previous": before,
                "change": change,
                "unit": unit,
                "better": None if not change else (change > 0) == higher_better,
                "definition": definitions.get(key, {}).get("formula", ""),
            }
        )
    return items


def contributed_item(figure, value, definition):
    """A registered figure among the headline ones (no week-on-week change: it has no period)."""
    return {
        "key": figure.key,
        "label": str(figure.label),
        "value": value,
        "previous": None,
        "change": None,
        "unit": figure.unit,
        "better": None,
        "definition": definition.get("formula", ""),
        "as_of_now": True,
    }


def issue_item(row, now):
    deadline = row["rectification_deadline"]
    return {
        "id": row["pk"],
        "category": row["category__name"],
        "address": row["address"],
        "region": row["region__name"],
        "unit": row["responsible_unit__name"],
        "state": row["state"],
        "deadline": timezone.localtime(deadline).isoformat(timespec="minutes") if deadline else None,
        "overdue": bool(deadline and row["state"] in CLOCK_STATES and deadline < now),
    }


def counts(c):
    """A breakdown row's numbers: flows over the window, backlog at its last day."""
    names = ("reported", "closed", "due", "closed_on_time", "extended", "in_hand_now", "open_now", "overdue_now")
    return {name: c.get(name, 0) for name in names}
