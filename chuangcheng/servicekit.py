"""The steps every app's write services share: lock the row, check the workflow table, write
the event row, check the text typed in. Each app names its own model, table, labels and words
(``tasks.services.common``, ``inspections.services.common``, ``dossiers.services``…); the steps
are these, so a refusal reads and behaves the same everywhere.

A refusal is an :class:`~chuangcheng.exceptions.ApplicationError` raised before anything is
written: not_found, conflict (with the current state), forbidden, invalid (naming the field).
"""

from django.utils.translation import gettext as _

from .exceptions import ApplicationError


def locked(queryset, pk, *, missing, related=()):
    """Row ``pk`` of ``queryset`` (what the actor may see), locked for this transaction; else
    not_found saying ``missing`` — the same answer for a row out of scope as for none.

    ``of=("self",)`` locks that row only (not the joined rows), which also lets PostgreSQL lock
    through a nullable join. A second transaction on the same row waits here and then reads the
    first one's result."""
    row = queryset.select_for_update(of=("self",)).select_related(*related).filter(pk=pk).first()
    if row is None:
        raise ApplicationError(missing, code="not_found")
    return row


def check_state(transition, state, message):
    """A state ``transition`` does not start from → conflict saying ``message``, with the
    current ``state`` in the answer."""
    if state not in transition.sources:
        raise ApplicationError(message, code="conflict", extra={"state": state})


def check_permission(actor, row, transition, permissions, label):
    """The predicate ``transition`` names in the app's ``permissions`` module; refused →
    forbidden, in the app's one refusal text (``permissions.forbidden_text``)."""
    if not getattr(permissions, transition.permission)(actor, row):
        raise ApplicationError(permissions.forbidden_text(actor, row, transition.action, label), code="forbidden")


def record_event(model, *, changes=None, **fields):
    """One row of an append-only history (``TaskEvent``, ``IssueEvent``, ``DossierEvent``),
    written in the transaction of the change it records."""
    return model.objects.create(changes=changes or {}, **fields)


def clean_text(value, field, message="", *, required=True, max_length=None):
    """Typed text, stripped: empty when ``required`` → invalid saying ``message``; longer than
    ``max_length`` → invalid. Both name ``field``."""
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(message, field=field)
    if max_length and len(value) > max_length:
        raise ApplicationError(_("内容过长（最多 %(n)s 字）。") % {"n": max_length}, field=field)
    return value
