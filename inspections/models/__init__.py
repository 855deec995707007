"""Problems found on the street and their rectification (整改销号).

- :class:`IssueCategory`: the 数字城管 部件/事件 classes plus campaign categories, each with its
  time limit in working hours or working days (optionally per area class).
- :class:`Inspection`: one outing (暗访, 督查, 自查…) that finds issues.
- :class:`Issue`: one problem, its responsible unit, its deadlines and its counters. The state,
  deadline and unit are facts about the issue; :class:`IssueEvent` rows are its history.
- :class:`Photo`: before/after/evidence images, re-encoded, with content and perceptual hashes.
- :class:`IssueTally`, :class:`IssueDueTally`: counts of issues per state (and deadline day), kept
  by the writes (:mod:`inspections.tally`); :class:`IssueDayTally`, :class:`IssueEventDayTally`: each
  day's flows and counted events (:mod:`inspections.daytally`).

State changes happen only in :mod:`inspections.services`, which follows the table in
:mod:`inspections.workflow` and writes one :class:`IssueEvent` per move.

One module per seam: :mod:`.categories`, :mod:`.inspections`, :mod:`.issues`, :mod:`.photos`,
:mod:`.tally`;
everything is importable from ``inspections.models`` as before.
"""

from .categories import CampaignCategorySet, CategoryKind, IssueCategory, categories_for
from .inspections import Inspection, InspectionKind, InspectionQuerySet, source_document_path
from .issues import (
    CLOCK_FIRST,
    CLOCK_STATES,
    OPEN_STATES,
    SEVERITY_RANK,
    Issue,
    IssueAction,
    IssueEvent,
    IssueEventQuerySet,
    IssueQuerySet,
    IssueSource,
    IssueState,
    PendingRequest,
    ReassignmentReason,
    Severity,
    in_subtrees,
)
from .photos import Photo, PhotoKind, PhotoQuerySet, photo_path, thumbnail_path
from .tally import IssueDayTally, IssueDueTally, IssueEventDayTally, IssueTally

__all__ = [
    "CLOCK_FIRST",
    "CLOCK_STATES",
    "OPEN_STATES",
    "CategoryKind",
    "Inspection",
    "InspectionKind",
    "InspectionQuerySet",
    "Issue",
    "IssueAction",
    "IssueCategory",
    "IssueDueTally",
    "IssueDayTally",
    "IssueEventDayTally",
    "IssueTally",
    "CampaignCategorySet",
    "categories_for",
    "in_subtrees",
    "IssueEvent",
    "IssueEventQuerySet",
    "IssueQuerySet",
    "IssueSource",
    "IssueState",
    "PendingRequest",
    "Photo",
    "PhotoKind",
    "PhotoQuerySet",
    "ReassignmentReason",
    "SEVERITY_RANK",
    "Severity",
    "photo_path",
    "source_document_path",
    "thumbnail_path",
]
