"""The named scenarios. Each picks its subjects from the seeded data deterministically (the
unit with the most tasks, its first clerk…), so runs at different scales are comparable."""

import csv
import tempfile
from pathlib import Path

from django.conf import settings
from django.db.models import Count

from chuangcheng.org.imports import import_regions
from chuangcheng.org.models import User

from .runner import Scenario

SCENARIOS = {}


def city_supervisor():
    return User.objects.filter(memberships__role="supervisor", memberships__unit__level="city").order_by("id").first()


# --- tasks -----------------------------------------------------------------------------------


def _busiest_street_unit():
    from tasks.models import Task

    row = (
        Task.objects.filter(owner_unit__level="street")
        .values("owner_unit")
        .annotate(n=Count("id"))
        .order_by("-n", "owner_unit")
        .first()
    )
    return row["owner_unit"], row["n"]


def prepare_tasks_api():
    unit_id, n = _busiest_street_unit()
    return {"user": city_supervisor(), "unit_id": unit_id, "note": f"unit with {n} tasks"}


def run_tasks_api(client, state):
    response = client.get(f"/api/v1/tasks/?owner_unit={state['unit_id']}&page_size=50")
    assert response.status_code == 200, response.status_code
    return response


TASK_PAGE_SQL = """
SELECT t.*, c.name, ou.name, lu.name, r.name, p.title
FROM tasks_task t
JOIN campaigns_campaign c ON c.id = t.campaign_id
JOIN org_unit ou ON ou.id = t.owner_unit_id
LEFT JOIN org_unit lu ON lu.id = t.lead_unit_id
LEFT JOIN org_region r ON r.id = t.region_id
LEFT JOIN tasks_task p ON p.id = t.parent_id
WHERE t.owner_unit_id = %s
ORDER BY t.deadline, t.id
LIMIT 50
"""


def sql_tasks_api(state):
    return [
        (TASK_PAGE_SQL, [state["unit_id"]]),
        ("SELECT count(*) FROM tasks_task WHERE owner_unit_id = %s", [state["unit_id"]]),
    ]


SCENARIOS["tasks_api_list"] = Scenario(
    "tasks_api_list",
    "GET /api/v1/tasks/ (50, filtered by unit) as a city supervisor",
    prepare_tasks_api,
    run_tasks_api,
    sql_tasks_api,
)


def prepare_my_work():
    unit_id, n = _busiest_street_unit()
    clerk = User.objects.filter(memberships__unit_id=unit_id, memberships__role="staff").order_by("id").first()
    return {"user": clerk, "unit_id": unit_id, "note": f"clerk of a unit with {n} tasks"}


def run_my_work(client, state):
    response = client.get("/tasks/mine/")
    assert response.status_code == 200, response.status_code
    return response


def sql_my_work(state):
    return [
        (
            """SELECT t.*, c.name, ou.name, lu.name, r.name, p.title FROM tasks_task t
            JOIN campaigns_campaign c ON c.id = t.campaign_id JOIN org_unit ou ON ou.id = t.owner_unit_id
            LEFT JOIN org_unit lu ON lu.id = t.lead_unit_id LEFT JOIN org_region r ON r.id = t.region_id
            LEFT JOIN tasks_task p ON p.id = t.parent_id
            WHERE t.owner_unit_id = %s AND t.state <> 'done' ORDER BY t.deadline, t.id""",
            [state["unit_id"]],
        )
    ]


SCENARIOS["my_work_page"] = Scenario(
    "my_work_page", "GET /tasks/mine/ (我的待办) as a street-office clerk", prepare_my_work, run_my_work, sql_my_work
)


# --- imports ---------------------------------------------------------------------------------


def prepare_import():
    """A copy of the Zhengzhou list with every code moved to an unused prefix (4→9): the same
    3,428 rows and shape, imported cold; the import is a dry run, so it rolls back."""
    source = Path(settings.BASE_DIR) / "data" / "zhengzhou_divisions.csv"
    target = Path(tempfile.gettempdir()) / "bench_regions_9101.csv"
    with source.open(encoding="utf-8") as fin, target.open("w", encoding="utf-8", newline="") as fout:
        reader, writer = csv.reader(fin), csv.writer(fout)
        writer.writerow(next(reader))
        for code, name, level, parent in reader:
            writer.writerow(["9" + code[1:], name, level, "9" + parent[1:]])
    return {"user": None, "path": target, "note": "3,428 rows, cold, rolled back"}


def run_import(client, state):
    result = import_regions(state["path"], dry_run=True)
    assert result.created == 3428, result.summary()
    return None


def sql_import(state):
    return [
        (
            """INSERT INTO org_region (code, name, level, parent_id, path, area_class)
            SELECT '9' || lpad(g::text, 11, '0'), 'r' || g, 'village', NULL, '/' || g || '/', 'B'
            FROM generate_series(1, 3428) g""",
            [],
        )
    ]


SCENARIOS["import_regions"] = Scenario(
    "import_regions",
    "import_regions of 3,428 divisions (dry run: written, then rolled back)",
    prepare_import,
    run_import,
    sql_import,
    writes=True,
    login=False,
)
