"""City-scale issues for the benchmark: ``count`` issues spread over the year before the anchor
date, with their events and photo rows (no files), written with COPY.

Shares of states, severities, overdue items, rework and recurrences follow what cities publish
(on-time closure around 75–95 %, rework a few per cent).
"""

import datetime as dt
import hashlib

from django.core.management import call_command

from .scale import aware, copy_rows, next_id, reset_sequence

STATES = [  # (state, cumulative share)
    ("closed", 0.70),
    ("rectifying", 0.80),
    ("assigned", 0.85),
    ("submitted", 0.91),
    ("reported", 0.94),
    ("long_term", 0.96),
    ("dismissed", 1.00),
]
SOURCES = ["patrol", "patrol", "patrol", "covert", "supervision", "mock", "citizen", "hotline", "media", "leader"]
SEVERITIES = ["general"] * 14 + ["serious"] * 4 + ["severe"] + ["negative_list"]
ISSUE_COLUMNS = [
    "id", "source", "description", "address", "latitude", "longitude", "severity", "urgent", "state", "assigned_at",
    "sign_deadline", "signed_at", "rectification_deadline", "deadline_set_by_supervisor", "submitted_at", "measures",
    "closed_at", "rework_count", "recurrence_count", "extension_count", "pending_request", "request_reason",
    "requested_deadline", "dismiss_reason", "long_term_plan", "long_term_target_date", "reporter_phone",
    "tracking_code", "created_at", "updated_at", "assigned_by_id", "campaign_id", "closed_by_id", "created_by_id",
    "indicator_id", "inspection_id", "merged_into_id", "possible_recurrence_of_id", "region_id",
    "responsible_unit_id", "site_id", "category_id",
]  # fmt: skip
EVENT_COLUMNS = ["id", "action", "from_state", "to_state", "comment", "changes", "created_at", "actor_id", "issue_id"]
PHOTO_COLUMNS = [
    "id", "kind", "file", "thumbnail", "original_name", "size", "sha256", "original_sha256", "dhash", "width",
    "height", "exif_taken_at", "duplicate_distance", "taken_before_issue", "created_at", "duplicate_of_id",
    "event_id", "issue_id", "uploaded_by_id",
]  # fmt: skip


# Varied words, so a search's selectivity means something: 井盖 or 垃圾 match a few percent of the
# issues, a road name fewer, a whole phrase very few.
PLACES = ("人行道", "路口", "小区门口", "背街小巷", "公交站台", "农贸市场", "学校周边", "绿化带", "桥下", "广场")
THINGS = (
    "井盖", "垃圾桶", "暴露垃圾", "建筑垃圾", "共享单车", "小广告", "店招", "护栏", "路灯", "盲道",
    "窨井", "排水沟", "树池", "墙面", "油烟", "积水", "渣土车", "占道经营", "违规停车", "公益广告",
)  # fmt: skip
FAULTS = ("破损", "缺失", "乱堆乱放", "松动", "满溢", "未清运", "脱落", "堵塞", "污损", "乱停乱放", "未及时处理")
ROADS = (
    "文化路", "花园路", "农业路", "金水路", "建设路", "中原路", "嵩山路", "大学路", "紫荆山路", "经三路",
    "纬五路", "黄河路", "未来路", "航海路", "桐柏路", "伏牛路", "淮河路", "陇海路", "商都路", "郑汴路",
)  # fmt: skip


def describe(rng):
    return f"{rng.choice(PLACES)}{rng.choice(THINGS)}{rng.choice(FAULTS)}"


def address(rng):
    return f"郑州市{rng.choice(ROADS)}{rng.randint(1, 300)}号附近"


def build_issues(world, *, count, rng, anchor, log):
    from inspections.models import Issue, IssueCategory

    have = Issue.objects.filter(campaign_id=world.campaign_id).count()
    if have >= count:
        log(f"issues: {have} (existing)")
        return
    if not IssueCategory.objects.exists():
        call_command("import_categories", verbosity=0)
    categories = list(IssueCategory.objects.values_list("id", flat=True))
    town_unit = world.region_unit
    grids = [(gid, int(path.strip("/").split("/")[2])) for gid, path, _v in world.grids]
    grids = [(gid, town) for gid, town in grids if town in town_unit]
    issue_id, event_id, photo_id = (
        next_id("inspections_issue"),
        next_id("inspections_issueevent"),
        next_id("inspections_photo"),
    )
    batch = 100_000
    total_events = total_photos = 0
    remaining = count - have
    while remaining > 0:
        n = min(batch, remaining)
        issues, events, photos = [], [], []
        for _ in range(n):
            row, evs, phs, event_id, photo_id = _one(
                issue_id, event_id, photo_id, world, rng, anchor, categories, grids, town_unit
            )
            issues.append(row)
            events.extend(evs)
            photos.extend(phs)
            issue_id += 1
        copy_rows("inspections_issue", ISSUE_COLUMNS, issues)
        copy_rows("inspections_issueevent", EVENT_COLUMNS, events)
        copy_rows("inspections_photo", PHOTO_COLUMNS, photos)
        total_events += len(events)
        total_photos += len(photos)
        remaining -= n
        log(f"issues: +{n} (left {remaining})")
    for table in ("inspections_issue", "inspections_issueevent", "inspections_photo"):
        reset_sequence(table)
    from inspections import tally

    tally.rebuild()  # COPY passes by the services: the tallies are counted once, at the end
    log(f"issues: +{count - have} ({total_events} events, {total_photos} photos)")


def _one(pk, event_id, photo_id, world, rng, anchor, categories, grids, town_unit):
    grid_id, town_id = rng.choice(grids)
    unit_id = town_unit[town_id] if rng.random() < 0.75 else rng.choice(world.functional_units)
    supervisor = rng.choice(world.supervisors)
    clerk = rng.choice(world.staff_by_unit.get(unit_id) or [supervisor])
    created_day = anchor - dt.timedelta(days=int(rng.random() ** 1.3 * 365))
    created = aware(created_day, rng.randint(8, 17), rng.randint(0, 59))
    r = rng.random()
    state = next(s for s, share in STATES if r <= share)
    severity = rng.choice(SEVERITIES)
    hours = rng.choice([4, 8, 16, 24, 40])
    assigned = created + dt.timedelta(minutes=rng.randint(5, 240)) if state not in ("reported", "dismissed") else None
    signed = assigned + dt.timedelta(minutes=rng.randint(10, 180)) if assigned and state != "assigned" else None
    deadline = (signed or assigned or created) + dt.timedelta(hours=hours * 3) if assigned else None
    rework = 1 if state in ("closed", "submitted") and rng.random() < 0.06 else 0
    recurrence = 1 if state in ("closed", "rectifying") and rng.random() < 0.02 else 0
    submitted = closed = None
    if state in ("submitted", "closed"):
        late = rng.random() < 0.2
        submitted = (
            deadline + dt.timedelta(hours=rng.randint(1, 48)) if late else signed + (deadline - signed) * rng.random()
        )
    if state == "closed":
        closed = submitted + dt.timedelta(hours=rng.randint(1, 24))
    now_ts = aware(anchor, 18)
    clamp = [t for t in (submitted, closed) if t and t > now_ts]
    if clamp:
        submitted = min(submitted, now_ts) if submitted else None
        closed = min(closed, now_ts) if closed else None
    updated = closed or submitted or signed or assigned or created
    lat = round(34.60 + rng.random() * 0.3, 6)
    lng = round(113.50 + rng.random() * 0.4, 6)
    row = (
        pk, rng.choice(SOURCES), describe(rng), address(rng), lat, lng, severity, severity == "severe", state,
        assigned, assigned + dt.timedelta(hours=2) if assigned else None, signed, deadline, False, submitted,
        "已清理完毕" if submitted else "", closed, rework, recurrence, 0, "", "", None,
        "非本系统受理范围" if state == "dismissed" else "", "分阶段整改" if state == "long_term" else "",
        (anchor + dt.timedelta(days=60)) if state == "long_term" else None, "", "", created, updated,
        supervisor if assigned else None, world.campaign_id, supervisor if closed else None, supervisor,
        rng.choice(world.indicator_ids), None, None, None, grid_id, unit_id if assigned else None, None,
        rng.choice(categories),
    )  # fmt: skip
    events = [(event_id, "create", "", "reported", "", "{}", created, supervisor, pk)]
    event_id += 1
    if state == "dismissed":
        events.append((event_id, "dismiss", "reported", "dismissed", "非本系统受理范围", "{}", updated, supervisor, pk))
        event_id += 1
    if assigned:
        events.append((event_id, "accept", "reported", "assigned", "", "{}", assigned, supervisor, pk))
        event_id += 1
    if signed:
        events.append((event_id, "sign", "assigned", "rectifying", "", "{}", signed, clerk, pk))
        event_id += 1
    for _ in range(rework):
        events.append((event_id, "submit", "rectifying", "submitted", "已整改", "{}", signed, clerk, pk))
        events.append((event_id + 1, "reject", "submitted", "rectifying", "仍有垃圾", "{}", signed, supervisor, pk))
        event_id += 2
    if submitted:
        events.append((event_id, "submit", "rectifying", "submitted", "已清理完毕", "{}", submitted, clerk, pk))
        event_id += 1
    if closed:
        events.append((event_id, "verify", "submitted", "closed", "", "{}", closed, supervisor, pk))
        event_id += 1
    if state == "long_term":
        events.append(
            (event_id, "move_long_term", "rectifying", "long_term", "分阶段整改", "{}", updated, supervisor, pk)
        )
        event_id += 1
    photos = [_photo(photo_id, "before", pk, created, supervisor, events[0][0])]
    photo_id += 1
    if submitted:
        photos.append(_photo(photo_id, "after", pk, submitted, clerk, None))
        photo_id += 1
    return row, events, photos, event_id, photo_id


def _photo(pk, kind, issue_id, at, user, event_id):
    digest = hashlib.sha256(f"{pk}".encode()).hexdigest()
    return (
        pk, kind, f"scale/{pk}.jpg", f"scale/{pk}_t.jpg", "photo.jpg", 250_000, digest, digest, digest[:16], 1600,
        1200, None, None, False, at, None, event_id, issue_id, user,
    )  # fmt: skip
