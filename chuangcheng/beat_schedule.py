"""The Celery beat schedule (times are Asia/Shanghai): settings' ``CELERY_BEAT_SCHEDULE``.
A test checks every name is a registered job."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Every 5 minutes: the dashboards' daily summary rows (today, yesterday) and cached period figures.
    "reports-refresh-daily-stats": {"task": "reports.refresh_daily_stats", "schedule": 300.0},
    # Every hour at :01: 整点快照 of the backlog at the top of the hour (the headline's "same moment
    # last week", a weekly briefing's previous week), and up to three missed hours.
    "reports-snapshot-backlog": {"task": "reports.snapshot_backlog", "schedule": crontab(minute=1)},
    # Every minute: proves that beat and a worker are alive (shown in the admin and on home).
    "heartbeat": {"task": "notifications.heartbeat", "schedule": 60.0},
    # 00:10 daily: create this period's occurrence of weekly/monthly (常态化) tasks.
    "tasks-generate-recurring": {"task": "tasks.generate_recurring", "schedule": crontab(hour=0, minute=10)},
    # 02:30 daily: recount the issue tallies (the list's chips, 超期未改) from the issues, log and
    # repair any difference; check each issue's state against its event log.
    "inspections-recompute-tally": {"task": "inspections.recompute_tally", "schedule": crontab(hour=2, minute=30)},
    # 08:00 daily: 日通报 of yesterday, per active campaign, city-wide and per district.
    "reports-daily-briefings": {"task": "reports.build_daily_briefings", "schedule": crontab(hour=8, minute=0)},
    # Mondays 09:00: 周通报 of last Monday–Sunday.
    "reports-weekly-briefings": {
        "task": "reports.build_weekly_briefings",
        "schedule": crontab(hour=9, minute=0, day_of_week=1),
    },
    # The 1st of each month, 09:00: 月考评 of last month.
    "reports-monthly-briefings": {
        "task": "reports.build_monthly_briefings",
        "schedule": crontab(hour=9, minute=0, day_of_month=1),
    },
    # Every 5 minutes: the reminder pass — what is due soon, overdue or to escalate becomes
    # delivery rows (unique, so re-runs add nothing). Deadlines are never Celery ETAs.
    "notifications-send-reminders": {"task": "notifications.send_reminders", "schedule": 300.0},
    # Every minute: send deliveries that are pending (retry backoff elapsed, or their kick was
    # lost while the broker was down) or whose worker died (lease expired).
    "notifications-deliver-due": {"task": "notifications.deliver_due", "schedule": 60.0},
    # Every 15 minutes: the 每日汇总 of whoever chose one (通知设置), at or after their hour.
    "notifications-daily-digests": {"task": "notifications.send_daily_digests", "schedule": crontab(minute="*/15")},
    # Every 5 minutes: run confirmed imports whose job was lost (broker down at the confirm, or
    # the worker died); a batch being run holds its row lock and is skipped.
    "imports-resume-batches": {"task": "imports.resume_batches", "schedule": 300.0},
    # Every 5 minutes: queue again background exports whose job was lost (broker down when it
    # was asked for, or the worker died); an export being written holds its row lock and is skipped.
    "imports-resume-exports": {"task": "imports.resume_exports", "schedule": 300.0},
    # 03:20 daily: delete the files of exports finished more than EXPORT_KEEP_DAYS days ago.
    "imports-expire-exports": {"task": "imports.expire_exports", "schedule": crontab(hour=3, minute=20)},
    # 08:30 daily: 档案资料 still owed (缺项/退回) 3 days and 1 day before their deadline and the
    # day after it → outbox rows to the responsible units (unique per window: re-runs add nothing).
    "dossiers-send-reminders": {"task": "dossiers.send_reminders", "schedule": crontab(hour=8, minute=30)},
}
