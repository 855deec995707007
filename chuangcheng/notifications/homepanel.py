"""The job board on the home page, for people who see everything (system administrators)."""

from .jobboard import job_board


def job_board_panel(request):
    if not request.user.scope.sees_all:
        return None
    return {"template": "notifications/partials/_job_board.html", "jobs": job_board()}
