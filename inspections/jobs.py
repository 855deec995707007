"""Celery jobs of inspections (thin: they call the module that does the work)."""

from celery import shared_task

from . import tally


@shared_task(name="inspections.recompute_tally")
def recompute_tally():
    """Nightly: prove the issue tallies equal a count of the issues (each difference is logged
    and repaired), and check each issue's state against its event log (differences logged)."""
    repaired = tally.recompute()
    wrong, _ids = tally.check_events()
    return {"repaired": repaired, "state_differs_from_events": wrong}
