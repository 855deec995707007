"""Serializers of the inspections API (/api/v1/inspections/, /issues/, /issue-categories/).

Output serializers read an issue with the names of what it points to, display labels, its
deadlines and whether it is overdue, its photos (with scoped download URLs) and the caller's
``allowed_actions`` from :mod:`inspections.workflow`. Input serializers check shapes only and
hand the values to :mod:`inspections.services`, which holds every rule (a reason where one is
required, a deadline in the future, an extension within its limit, photos that are images
within the pixel limit, coordinates inside the country), so pages and API refuse with the
same words.

OpenAPI: an input serializer that shares a choice field with its output (``kind``) carries the
output's component name, so the schema has one enum per choice set (drf-spectacular names enums
per component; two components with the same field name would collide).

Modules: :mod:`.output` (what the API answers), :mod:`.input` (what it accepts).
"""

from .input import (
    DeadlineField,
    InspectionCreateSerializer,
    IssueAcceptSerializer,
    IssueApproveExtensionSerializer,
    IssueAssignSerializer,
    IssueCommentSerializer,
    IssueCreateSerializer,
    IssueLongTermProgressSerializer,
    IssueMergeSerializer,
    IssueMoveLongTermSerializer,
    IssueReasonSerializer,
    IssueReassignSerializer,
    IssueRejectSerializer,
    IssueReopenSerializer,
    IssueRequestExtensionSerializer,
    IssueRequestReassignmentSerializer,
    IssueSubmitSerializer,
    PhotoUploadSerializer,
)
from .output import (
    ACTION_LABELS,
    InspectionSerializer,
    InspectorSerializer,
    IntegrityFlagSerializer,
    IssueCategoryRefSerializer,
    IssueCategorySerializer,
    IssueEventSerializer,
    IssuePhotoSerializer,
    IssueRefusalSerializer,
    IssueRegionRefSerializer,
    IssueSerializer,
    RegionNamesListSerializer,
)

__all__ = [
    "ACTION_LABELS",
    "DeadlineField",
    "InspectionCreateSerializer",
    "InspectionSerializer",
    "InspectorSerializer",
    "IntegrityFlagSerializer",
    "IssueAcceptSerializer",
    "IssueApproveExtensionSerializer",
    "IssueAssignSerializer",
    "IssueCategoryRefSerializer",
    "IssueCategorySerializer",
    "IssueCommentSerializer",
    "IssueCreateSerializer",
    "IssueEventSerializer",
    "IssueLongTermProgressSerializer",
    "IssueMergeSerializer",
    "IssueMoveLongTermSerializer",
    "IssuePhotoSerializer",
    "IssueReasonSerializer",
    "IssueReassignSerializer",
    "IssueRefusalSerializer",
    "IssueRegionRefSerializer",
    "IssueRejectSerializer",
    "IssueReopenSerializer",
    "IssueRequestExtensionSerializer",
    "IssueRequestReassignmentSerializer",
    "IssueSerializer",
    "IssueSubmitSerializer",
    "PhotoUploadSerializer",
    "RegionNamesListSerializer",
]
