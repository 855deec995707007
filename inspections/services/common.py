"""What every issue service shares: locking, the workflow check, events, notices, input checks
and storing photos. Private to :mod:`inspections.services`."""

import datetime as dt

from django.core.files.base import ContentFile
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.notifications.services import notice_send, unit_people
from chuangcheng.org.workcalendar import WorkingCalendar
from chuangcheng.servicekit import check_permission, check_state, locked, record_event
from chuangcheng.uploads import stored_name
from chuangcheng.wording import labelled

from .. import daytally, permissions, tally
from ..models import Issue, IssueAction, IssueEvent, IssueState, PendingRequest, Photo, PhotoKind
from ..photos import find_duplicates, process_photo
from ..workflow import TRANSITIONS, pending_allows

STATE_LABELS = dict(IssueState.choices)
ACTION_LABELS = dict(IssueAction.choices)
PENDING_LABELS = dict(PendingRequest.choices)
ISSUE_RELATED = ("region", "category", "responsible_unit", "campaign", "site", "inspection")


# --- locking and checking ------------------------------------------------------------------------


def locked_issue(actor, issue_id):
    """The issue, locked for this transaction, if the actor may see it (else not_found); a
    second transaction on the same issue waits and then reads the first one's result. Its
    tally cells are noted (:func:`save_issue` moves it from them)."""
    issue = locked(
        Issue.objects.visible_to(actor),
        issue_id,
        related=ISSUE_RELATED,
        missing=_("问题不存在，或您无权查看。"),
    )
    tally.track(issue)
    return issue


def save_issue(issue, fields):
    """Save ``fields`` of a locked issue and move it in the tallies (:mod:`inspections.tally`) in
    the same transaction — every change of an issue's state, deadline, region, severity or
    campaign goes through here."""
    issue.save(update_fields=fields)
    tally.settle(issue)


def check(actor, issue, action):
    """The workflow table's verdict: wrong state or request → conflict (with the current state),
    not allowed → forbidden. Returns the transition."""
    transition = TRANSITIONS[action]
    label = ACTION_LABELS.get(action, action)
    check_state(
        transition,
        issue.state,
        _("问题当前状态为“%(state)s”，不能%(action)s（可能已被他人处理，请刷新后查看）。")
        % {"state": STATE_LABELS[issue.state], "action": label},
    )
    if not pending_allows(transition, issue):
        if issue.pending_request:
            message = _("该问题有待审批的“%(req)s”，请先处理该申请。") % {"req": PENDING_LABELS[issue.pending_request]}
        else:
            message = _("该问题没有待审批的“%(req)s”。") % {"req": PENDING_LABELS[transition.pending]}
        raise ApplicationError(
            message, code="conflict", extra={"state": issue.state, "pending_request": issue.pending_request}
        )
    actor._took_part = None  # read the events afresh, under the row lock
    check_permission(actor, issue, transition, permissions, label)
    return transition


# --- events and notices ----------------------------------------------------------------------------


def write_event(issue, actor, action, **fields):
    """One event of ``issue`` (counted in its day, :mod:`inspections.daytally`, when it is one
    the figures count)."""
    event = record_event(IssueEvent, issue=issue, actor=actor, action=action, **fields)
    daytally.event_written(issue, event)
    return event


def issue_url(issue):
    try:
        return reverse("inspections:issue_detail", args=[issue.pk])
    except NoReverseMatch:  # the pages arrive separately
        return ""


def notify(issue, who, *, actor, title, body="", unit_id=None):
    """Notices for ``who``: "unit" (staff and head of ``unit_id`` or the responsible unit),
    "assigner" (whoever sent it, else whoever recorded it), "creator". Never the actor."""
    if who == "unit":
        recipients = list(unit_people([unit_id or issue.responsible_unit_id]))
    elif who == "assigner":
        recipients = [u for u in [issue.assigned_by or issue.created_by] if u is not None]
    elif who == "creator":
        recipients = [u for u in [issue.created_by] if u is not None]
    else:
        return []
    recipients = [u for u in recipients if actor is None or u.pk != actor.pk]
    heading = f"#{issue.pk} {issue.category.name}"
    return notice_send(
        recipients=recipients,
        title=labelled(title, heading),
        body=body,
        url=issue_url(issue),
        kind="issue",
        subject_key=f"issue:{issue.pk}",
    )


# --- input ------------------------------------------------------------------------------------------


def as_deadline(value, *, field="deadline", now=None):
    """A deadline from a datetime or a date (a date means the end of that day's working hours).
    Must lie in the future."""
    if value is None or value == "":
        return None
    now = now or timezone.now()
    if isinstance(value, dt.datetime):
        moment = value if timezone.is_aware(value) else timezone.make_aware(value)
    elif isinstance(value, dt.date):
        end = WorkingCalendar(overrides={}).periods[-1][1]
        moment = timezone.make_aware(dt.datetime.combine(value, end))
    else:
        raise ApplicationError(_("时限格式不正确。"), field=field)
    if moment <= now:
        raise ApplicationError(_("时限不能早于当前时间。"), field=field)
    return moment


def iso(value):
    return timezone.localtime(value).isoformat() if value else None


def check_unit(unit, *, field="responsible_unit"):
    if unit is None:
        raise ApplicationError(_("请选择责任单位。"), field=field)
    if not unit.is_active:
        raise ApplicationError(_("单位“%(u)s”已停用，不能交办。") % {"u": unit.name}, field=field)
    return unit


# --- photos -------------------------------------------------------------------------------------------


def processed_photos(uploads, *, field="photos"):
    """Check and re-encode every upload before anything is written (all or nothing)."""
    return [process_photo(upload, field=field) for upload in uploads or []]


FLAGGED_KINDS = (PhotoKind.AFTER, PhotoKind.EVIDENCE)


def store_photos(issue, event, actor, processed, kind):
    """Save re-encoded photos with their thumbnails, linked to ``event``, and flag each that
    matches a photo on another issue or was taken (EXIF) before the issue was recorded."""
    photos = []
    for item in processed:
        name = stored_name("jpg")
        photo = Photo(
            issue=issue,
            event=event,
            kind=kind,
            original_name=item.original_name,
            size=len(item.content),
            sha256=item.sha256,
            original_sha256=item.original_sha256,
            dhash=item.dhash,
            width=item.width,
            height=item.height,
            exif_taken_at=item.exif_taken_at,
            taken_before_issue=bool(
                kind in FLAGGED_KINDS and item.exif_taken_at and item.exif_taken_at < issue.created_at
            ),
            uploaded_by=actor,
        )
        matches = find_duplicates(
            issue=issue, sha256=item.sha256, original_sha256=item.original_sha256, dhash_value=item.dhash
        )
        if matches:
            photo.duplicate_of_id, photo.duplicate_distance = matches[0].photo_id, matches[0].distance
        photo.file.save(name, ContentFile(item.content), save=False)
        photo.thumbnail.save(name.replace(".jpg", "_thumb.jpg"), ContentFile(item.thumbnail), save=False)
        photo.save()
        photos.append(photo)
    return photos


def refresh_duplicate_flags(issue):
    """Re-check the issue's after/evidence photos not yet flagged: a matching photo may have
    been uploaded on another issue since. Returns the photos newly flagged."""
    flagged = []
    for photo in issue.photos.filter(kind__in=FLAGGED_KINDS, duplicate_of__isnull=True):
        matches = find_duplicates(
            issue=issue,
            sha256=photo.sha256,
            original_sha256=photo.original_sha256,
            dhash_value=photo.dhash,
            exclude_photo_id=photo.pk,
        )
        if matches:
            photo.duplicate_of_id, photo.duplicate_distance = matches[0].photo_id, matches[0].distance
            photo.save(update_fields=["duplicate_of", "duplicate_distance"])
            flagged.append(photo)
    return flagged
