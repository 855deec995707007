"""Celery jobs of inspections (thin: they call the module that does the work)."""

from celery import shared_task

from . import daytally, tally


@shared_task(name="inspections.recompute_tally")
def recompute_tally():
    """Nightly: prove the issue tallies equal a count of the issues, and the day tables a count
    of the issues' dates and of the event log (each difference is logged and repaired); check
    each issue's state against its event log (differences logged)."""
    repaired = tally.recompute()
    day_repaired = daytally.recompute()
    wrong, _ids = tally.check_events()
    return {"repaired": repaired, "day_repaired": day_repaired, "state_differs_from_events": wrong}
