"""The issue state machine, as one table (the 数字城管 case cycle 受理→立案→派遣→处置→核查→结案).

state × action → next state, who may, what is required, which event is written and whom it
notifies. Services read :data:`TRANSITIONS`; pages and the API show :func:`allowed_actions`;
nothing else compares states by hand.

"supervisor" below means a supervisor whose scope covers the issue's region (or an admin);
"unit" means staff or the head of the issue's responsible unit. A pending request (申请退回 /
申请延期) is a fact on the issue (``pending_request``) decided by a supervisor, not a state.

| action               | from                 | to          | who                          | requires                                 | event / notifies          |
|----------------------|----------------------|-------------|------------------------------|------------------------------------------|---------------------------|
| accept (立案交办)     | reported             | assigned    | supervisor                   | unit (default: suggested, 属地兜底);       | accept / unit             |
|                      |                      |             |                              | deadline optional (else computed at 签收) |                           |
| merge (合并)          | reported             | dismissed   | supervisor                   | an open issue to merge into              | merge + merged_in / creator |
| dismiss (不予立案)    | reported             | dismissed   | supervisor                   | reason                                   | dismiss / creator         |
| assign (改派)         | assigned, no request | assigned    | supervisor                   | new unit or deadline, reason             | assign / new unit         |
| sign (签收)           | assigned             | rectifying  | unit                         | — (the clock starts; a pending 申请退回    | sign / —                  |
|                      |                      |             |                              | is withdrawn)                             |                           |
| request_reassignment | assigned, no request | assigned    | unit                         | reason 属地不符/权属不清, comment          | request_reassignment / assigner |
| reassign (同意退回)   | assigned, 申请退回    | assigned    | supervisor                   | another unit                             | reassign / new unit       |
| insist (驳回退回)     | assigned, 申请退回    | assigned    | supervisor                   | reason                                   | insist / unit             |
| request_extension    | rectifying, no request | rectifying | unit                        | reason, deadline after the current one,  | request_extension / assigner |
|                      |                      |             |                              | ≤ MAX_EXTENSION_WORKING_DAYS, ≤ 迎检日期  |                           |
| approve_extension    | rectifying, 申请延期  | rectifying  | supervisor, not of the unit  | new deadline (default: the requested)    | approve_extension / unit  |
| refuse_extension     | rectifying, 申请延期  | rectifying  | supervisor, not of the unit  | reason                                   | refuse_extension / unit   |
| submit (提交核查)     | rectifying, long_term | submitted  | unit                         | measures, ≥ 1 new after-photo            | submit / assigner         |
| verify (核查销号)     | submitted            | closed      | supervisor, not of the unit  | —                                        | verify / unit             |
| reject (核查退回)     | submitted            | rectifying  | supervisor, not of the unit  | reason (rework_count + 1)                | reject / unit             |
| move_long_term       | rectifying, submitted | long_term  | supervisor                   | plan, target date (future, ≤ 1 year)     | move_long_term / unit     |
| long_term_progress   | long_term            | long_term   | unit                         | note                                     | long_term_progress / —    |
| reopen (反弹)         | closed               | rectifying  | supervisor                   | reason (recurrence_count + 1); another   | reopen / unit             |
|                      |                      | or assigned |                              | unit → assigned (it must sign again)     |                           |
| add_photo            | any open state       | (same)      | before: supervisor;          | an image                                 | photo / —                 |
|                      |                      |             | after: unit; evidence: either |                                         |                           |
"""

from dataclasses import dataclass

from .models import OPEN_STATES, IssueState, PendingRequest

REPORTED = frozenset({IssueState.REPORTED})
ASSIGNED = frozenset({IssueState.ASSIGNED})
RECTIFYING = frozenset({IssueState.RECTIFYING})
SUBMITTED = frozenset({IssueState.SUBMITTED})
CLOSED = frozenset({IssueState.CLOSED})
LONG_TERM = frozenset({IssueState.LONG_TERM})
OPEN = frozenset(OPEN_STATES)

ANY_REQUEST = "any"  # the pending request does not matter


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str | None  # None: the state does not change
    permission: str  # name of the predicate in inspections.permissions
    pending: str = PendingRequest.NONE  # the pending request the action needs (ANY_REQUEST: any)
    requires: tuple = ()  # the inputs a page or API form must ask for
    notifies: str = ""  # "unit", "assigner", "creator" or "" — see services._notify


TRANSITIONS = {
    t.action: t
    for t in [
        Transition("accept", REPORTED, IssueState.ASSIGNED, "can_accept", ANY_REQUEST, ("responsible_unit",), "unit"),
        Transition("merge", REPORTED, IssueState.DISMISSED, "can_accept", ANY_REQUEST, ("target",), "creator"),
        Transition("dismiss", REPORTED, IssueState.DISMISSED, "can_accept", ANY_REQUEST, ("reason",), "creator"),
        Transition("assign", ASSIGNED, IssueState.ASSIGNED, "can_assign", requires=("reason",), notifies="unit"),
        Transition("sign", ASSIGNED, IssueState.RECTIFYING, "can_sign", ANY_REQUEST),
        Transition(
            "request_reassignment",
            ASSIGNED,
            IssueState.ASSIGNED,
            "can_request",
            requires=("reason", "comment"),
            notifies="assigner",
        ),
        Transition(
            "reassign",
            ASSIGNED,
            IssueState.ASSIGNED,
            "can_assign",
            PendingRequest.REASSIGNMENT,
            ("responsible_unit",),
            "unit",
        ),
        Transition(
            "insist", ASSIGNED, IssueState.ASSIGNED, "can_assign", PendingRequest.REASSIGNMENT, ("reason",), "unit"
        ),
        Transition(
            "request_extension",
            RECTIFYING,
            IssueState.RECTIFYING,
            "can_request",
            requires=("reason", "deadline"),
            notifies="assigner",
        ),
        Transition(
            "approve_extension",
            RECTIFYING,
            IssueState.RECTIFYING,
            "can_decide_extension",
            PendingRequest.EXTENSION,
            ("deadline",),
            "unit",
        ),
        Transition(
            "refuse_extension",
            RECTIFYING,
            IssueState.RECTIFYING,
            "can_decide_extension",
            PendingRequest.EXTENSION,
            ("reason",),
            "unit",
        ),
        Transition(
            "submit",
            RECTIFYING | LONG_TERM,
            IssueState.SUBMITTED,
            "can_submit",
            ANY_REQUEST,
            ("measures", "photos"),
            "assigner",
        ),
        Transition("verify", SUBMITTED, IssueState.CLOSED, "can_verify", ANY_REQUEST, (), "unit"),
        Transition("reject", SUBMITTED, IssueState.RECTIFYING, "can_verify", ANY_REQUEST, ("reason",), "unit"),
        Transition(
            "move_long_term",
            RECTIFYING | SUBMITTED,
            IssueState.LONG_TERM,
            "can_assign",
            ANY_REQUEST,
            ("plan", "target_date"),
            "unit",
        ),
        Transition("long_term_progress", LONG_TERM, None, "can_submit", ANY_REQUEST, ("note",)),
        Transition("reopen", CLOSED, IssueState.RECTIFYING, "can_reopen", ANY_REQUEST, ("reason",), "unit"),
        Transition("add_photo", OPEN, None, "can_add_photo", ANY_REQUEST, ("photos",)),
    ]
}


def pending_allows(transition, issue):
    return transition.pending == ANY_REQUEST or issue.pending_request == transition.pending


def allowed_actions(user, issue):
    """The actions ``user`` may take on ``issue`` now (state, pending request and permission)."""
    from . import permissions

    return [
        name
        for name, t in TRANSITIONS.items()
        if issue.state in t.sources and pending_allows(t, issue) and getattr(permissions, t.permission)(user, issue)
    ]
