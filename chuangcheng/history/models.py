"""The append-only history of the configuration (django-simple-history).

Every save or delete of a tracked model through the ORM adds a row to its ``Historical…``
table here — the full old row, the time, the kind of change and the person
(``HistoryRequestMiddleware`` takes it from the request; jobs and commands record none) — so
the admin's 历史 page of a unit, a membership, a leader assignment, a campaign (with its
standards), a campaign's scoring rule or an indicator lists each change with who made it and
the old and new values.

The tracked models stay where they are: registering them from this app (``app=``) keeps their
apps untouched and puts every history table and migration here. This app sits above everything
it tracks (org, campaigns, reports) and nothing imports it. Issue and task events are not
duplicated here: they have their own timelines.

Writes that bypass ``Model.save()`` (``QuerySet.update``, ``bulk_create``/``bulk_update``) are
not recorded: today that is the indicator spreadsheet import (``campaigns/imports.py``), which
would switch to ``simple_history.utils.bulk_create_with_history``/``bulk_update_with_history``.
"""

import simple_history

from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.org.models import LeaderAssignment, Membership, Unit
from chuangcheng.reports.models import CampaignScoring
from tasks.models import TaskLeader

APP = "chuangcheng.history"

TRACKED = {
    Unit: {},
    Membership: {},
    LeaderAssignment: {},
    TaskLeader: {},  # 领导包保 of a task
    Campaign: {"m2m_fields": ["standards"]},
    CampaignScoring: {},
    Indicator: {"excluded_fields": ["sort_key"]},  # derived from the code
}

for _model, _options in TRACKED.items():
    if not hasattr(_model, "history"):
        simple_history.register(_model, app=APP, **_options)
