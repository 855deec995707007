"""Adding photos outside a transition (before-photos after the fact, after-photos ahead of
submitting, evidence)."""

from django.db import transaction
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError

from .. import permissions
from ..models import IssueAction, PhotoKind
from .common import check, locked_issue, processed_photos, store_photos, write_event


@transaction.atomic
def photo_add(*, actor, issue_id, kind, photos, comment=""):
    """上传照片: before-photos by supervisors, after-photos by the unit, evidence by either.
    Recorded as an event (photos are evidence); each photo is checked for duplicates."""
    issue = locked_issue(actor, issue_id)
    check(actor, issue, "add_photo")
    if kind not in PhotoKind.values:
        raise ApplicationError(_("未知的照片类型。"), field="kind")
    if not permissions.can_add_photo(actor, issue, kind):
        raise ApplicationError(
            _("您不能为该问题上传“%(kind)s”照片。") % {"kind": PhotoKind(kind).label}, code="forbidden"
        )
    processed = processed_photos(photos)
    if not processed:
        raise ApplicationError(_("请选择要上传的照片。"), field="photos")
    event = write_event(
        issue,
        actor,
        IssueAction.PHOTO,
        from_state=issue.state,
        to_state=issue.state,
        comment=(comment or "").strip(),
        changes={"kind": kind, "count": len(processed)},
    )
    return store_photos(issue, event, actor, processed, kind)
