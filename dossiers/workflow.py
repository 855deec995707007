"""The material review as one table: state × action → next state, who may, what is required.

| action       | from               | to        | who                                         | requires            |
|--------------|--------------------|-----------|---------------------------------------------|---------------------|
| upload       | (new material)     | pending   | staff / head of a responsible unit          | file, title         |
| new_version  | pending, returned  | pending   | staff / head of the unit that handed it in  | file                |
| approve 通过 | pending            | approved  | the campaign office's supervisors, admins — | —                   |
|              |                    |           | never the unit that handed it in            |                     |
| return 退回  | pending            | returned  | same as approve                             | reason              |

A requirement's status follows from its materials (:func:`requirement_status`): none → 缺项;
any returned → 退回; else any pending → 待审; else 已通过.
"""

from dataclasses import dataclass

from .models import MaterialStatus, RequirementStatus


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str
    permission: str  # name of the predicate in dossiers.permissions


TRANSITIONS = {
    t.action: t
    for t in [
        Transition(
            "new_version",
            frozenset({MaterialStatus.PENDING, MaterialStatus.RETURNED}),
            MaterialStatus.PENDING,
            "can_add_version",
        ),
        Transition("approve", frozenset({MaterialStatus.PENDING}), MaterialStatus.APPROVED, "can_review"),
        Transition("return", frozenset({MaterialStatus.PENDING}), MaterialStatus.RETURNED, "can_review"),
    ]
}


def allowed_actions(user, material):
    """The actions ``user`` may take on ``material`` now (state and permission both allow)."""
    from . import permissions

    return [
        name
        for name, t in TRANSITIONS.items()
        if material.status in t.sources and getattr(permissions, t.permission)(user, material)
    ]


def requirement_status(material_statuses):
    """The requirement's status from its materials' statuses."""
    statuses = set(material_statuses)
    if not statuses:
        return RequirementStatus.MISSING
    if MaterialStatus.RETURNED in statuses:
        return RequirementStatus.RETURNED
    if MaterialStatus.PENDING in statuses:
        return RequirementStatus.PENDING
    return RequirementStatus.APPROVED
