"""The task state machine, as one table.

state × action → next state, who may, what is required. Services read this table; pages and
the API show the allowed actions from it; nothing else compares states by hand.

| action           | from                         | to          | who                                   | requires                    |
|------------------|------------------------------|-------------|---------------------------------------|-----------------------------|
| report           | pending, in_progress         | in_progress | owner-unit staff / head               | percent 0–100, note         |
| submit           | pending, in_progress         | submitted   | owner-unit staff / head               | note; evidence if required  |
| accept           | submitted                    | done        | lead unit or supervisor in scope,     | —                           |
|                  |                              |             | never the owner unit itself           |                             |
| return (退回)    | submitted                    | in_progress | same as accept                        | reason                      |
| change_deadline  | pending, in_progress, submitted | (same)   | admin, supervisor in scope            | new date, reason            |
| reassign         | pending, in_progress, submitted | (same)   | admin, supervisor in scope            | new unit, reason            |
| instruct (批示)  | any                          | (same)      | its 责任领导, or a leader whose 包保   | text                        |
|                  |                              |             | (region or the task) holds it         |                             |
| decompose (分解) | pending, in_progress         | in_progress | admin, supervisor in scope, lead unit | one unit per child          |

A task is 推进中 from its first sub-task on — decomposed here, by an import's row of several
units, or given a 常态化 period by the recurrence job (``services.common._carried_by_parts``).
"""

from dataclasses import dataclass

from .models import TaskState

OPEN = frozenset({TaskState.PENDING, TaskState.IN_PROGRESS, TaskState.SUBMITTED})
WORKING = frozenset({TaskState.PENDING, TaskState.IN_PROGRESS})
ANY = frozenset(TaskState.values)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str | None  # None: the state does not change
    permission: str  # name of the predicate in tasks.permissions


TRANSITIONS = {
    t.action: t
    for t in [
        Transition("report", WORKING, TaskState.IN_PROGRESS, "can_report"),
        Transition("submit", WORKING, TaskState.SUBMITTED, "can_report"),
        Transition("accept", frozenset({TaskState.SUBMITTED}), TaskState.DONE, "can_review"),
        Transition("return", frozenset({TaskState.SUBMITTED}), TaskState.IN_PROGRESS, "can_review"),
        Transition("change_deadline", OPEN, None, "can_manage"),
        Transition("reassign", OPEN, None, "can_manage"),
        Transition("instruct", ANY, None, "can_instruct"),
        Transition("decompose", WORKING, TaskState.IN_PROGRESS, "can_decompose"),
    ]
}


def allowed_actions(user, task):
    """The actions ``user`` may take on ``task`` now (state and permission both allow)."""
    from . import permissions

    return [
        name
        for name, t in TRANSITIONS.items()
        if task.state in t.sources and getattr(permissions, t.permission)(user, task)
    ]
