"""The one application error type, and its mapping to API answers.

Services raise :class:`ApplicationError` with a message a unit clerk understands. The API maps
it to 400/403/404/409; pages show the message; imports name the row.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """A refusal or bad input, worded for the person who caused it.

    ``code`` picks the HTTP status: ``invalid`` 400, ``forbidden`` 403, ``not_found`` 404,
    ``conflict`` 409 (wrong state, already changed). ``field`` names the offending input.
    """

    STATUS = {
        "invalid": status.HTTP_400_BAD_REQUEST,
        "forbidden": status.HTTP_403_FORBIDDEN,
        "not_found": status.HTTP_404_NOT_FOUND,
        "conflict": status.HTTP_409_CONFLICT,
    }

    def __init__(self, message, *, code="invalid", field=None, extra=None):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code if code in self.STATUS else "invalid"
        self.field = field
        self.extra = extra or {}

    @property
    def status_code(self):
        return self.STATUS[self.code]


def api_exception_handler(exc, context):
    """DRF's handler plus :class:`ApplicationError` (anything else stays a 500 for the log)."""
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message, "code": exc.code, **exc.extra}
        if exc.field:
            body["field"] = exc.field
            body[exc.field] = [exc.message]
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return exception_handler(exc, context)
