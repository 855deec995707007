"""The mixed load (issue 18, item 7): what a working day's users do at once, against gunicorn on
loopback for a bounded time, then a check that no acknowledged write was lost.

- **Street clerks** (one per street office with issues in 整改中): their unit's task list and a
  task, their unit's issue list and an issue; writes — a progress report on their task, or
  提交核查 on one of their unit's issues in 整改中 (multipart, with a freshly made after-photo,
  as the phone does).
- **District supervisors** (one per district): the district's 待核查 list by deadline, an issue,
  the overview (``/api/v1/dashboard/?region=<district>``); writes — 核查销号 of a submitted issue.

Each client owns its issues (clerks their unit's, supervisors their district's, picked up front),
so a write that fails is a failure, not a race. Afterwards every acknowledged write must have
its event (by that person, that action) and its issue the state the write left it in (a later
write by another client of the same issue is allowed for: a clerk's submitted issue can be
verified by a supervisor).

Traffic goes to 127.0.0.1 only and stops by itself after ``seconds``.
"""

import io
import json
import random
import statistics
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count
from rest_framework.authtoken.models import Token

from chuangcheng.org.models import Membership, Region, RegionLevel

from .load import _free_port, _start_server, _stop_server
from .runner import analyze_as_autovacuum_would, snapshot_as_the_hourly_job_would

KINDS = ("task reads", "issue lists", "issue page", "dashboard", "task reports", "issue writes")
WRITES = ("task reports", "issue writes")
# Issues each client has to write on: a 30 s run wrote up to ~45 a client. Without the top-up
# the 10,000-issue database's clients (8 in 整改中 a street office, ~30 待核查 a district) ran out
# within seconds and spent the rest of the run on cheaper reads — a different mix from the
# 1,000,000-issue run, whose clients never run out.
TOP_UP = 80


@dataclass
class MixResult:
    seconds: float
    workers: int
    clients: int
    latencies: dict = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: list = field(default_factory=list)
    writes_ok: int = 0
    lost: int = 0
    topped_up: int = 0
    pool: int = TOP_UP

    @property
    def requests(self):
        return sum(len(v) for v in self.latencies.values()) + len(self.errors)

    def reads(self):
        return [ms for kind, values in self.latencies.items() if kind not in WRITES for ms in values]

    def markdown(self):
        rows = [
            f"| {kind} | {len(v)} | {_pct(v, 50):.0f} | {_pct(v, 95):.0f} |" for kind, v in self.latencies.items() if v
        ]
        reads = self.reads()
        return "\n".join(
            [
                f"#### Mixed load: gunicorn {self.workers} workers on 127.0.0.1, {self.clients} concurrent "
                f"clients, {self.seconds:.0f} s",
                "",
                f"{self.requests} requests, **{self.requests / self.seconds:.1f} req/s**; every read "
                f"p50 {_pct(reads, 50):.0f} ms, **p95 {_pct(reads, 95):.0f} ms**; errors "
                f"{len(self.errors)}{' ' + str(sorted(set(map(str, self.errors)))) if self.errors else ''}; "
                f"acknowledged writes {self.writes_ok}, **lost {self.lost}**; issues made beforehand so "
                f"every client had {self.pool} to write on: {self.topped_up}.",
                "",
                "| kind | requests | p50 ms | p95 ms |",
                "|---|---:|---:|---:|",
                *rows,
            ]
        )


def _pct(values, q):
    if not values:
        return 0
    values = sorted(values)
    return statistics.median(values) if q == 50 else values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def _token(user_id):
    return Token.objects.get_or_create(user_id=user_id)[0].key


def _photo(rng):
    """A small after-photo, different each time (the duplicate check compares them)."""
    from PIL import Image

    image = Image.new("RGB", (64, 48), tuple(rng.randrange(256) for _ in range(3)))
    for _ in range(40):
        image.putpixel((rng.randrange(64), rng.randrange(48)), tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def pick_clients(clerks=8, supervisors=8, pool=300):
    """``[(role, token, user id, context)]``: clerks of the street offices with the most issues in
    整改中 (with a task of their unit and those issues), supervisors of the districts with the
    most issues in 待核查 (with those issues). Pools are disjoint: each issue has one client."""
    from inspections.models import Issue, IssueState
    from tasks.models import Task, TaskState

    out = []
    units = (
        Issue.objects.filter(state=IssueState.RECTIFYING, responsible_unit__level="street")
        .values("responsible_unit_id")
        .annotate(n=Count("id"))
        .order_by("-n", "responsible_unit_id")
    )
    for row in units:
        if len([c for c in out if c[0] == "clerk"]) >= clerks:
            break
        unit_id = row["responsible_unit_id"]
        clerk = (
            Membership.objects.filter(unit_id=unit_id, role="staff", user__is_active=True)
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .first()
        )
        task = (
            Task.objects.filter(owner_unit_id=unit_id, state__in=[TaskState.PENDING, TaskState.IN_PROGRESS])
            .order_by("id")
            .values_list("id", flat=True)
            .first()
        )
        if clerk is None or task is None:
            continue
        issues = list(
            Issue.objects.filter(responsible_unit_id=unit_id, state=IssueState.RECTIFYING)
            .order_by("id")
            .values_list("id", flat=True)[:pool]
        )
        out.append(("clerk", _token(clerk), clerk, {"unit": unit_id, "task": task, "issues": issues}))
    districts = {r.pk: r for r in Region.objects.filter(level=RegionLevel.COUNTY)}
    submitted = {}
    for path, n in (
        Issue.objects.filter(state=IssueState.SUBMITTED)
        .values_list("region__path")
        .annotate(n=Count("id"))
        .values_list("region__path", "n")
    ):
        for pk, district in districts.items():
            if path.startswith(district.path):
                submitted[pk] = submitted.get(pk, 0) + n
    for pk in sorted(submitted, key=lambda k: (-submitted[k], k))[:supervisors]:
        district = districts[pk]
        supervisor = (
            Membership.objects.filter(role="supervisor", unit__region=district, user__is_active=True)
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .first()
        )
        if supervisor is None:
            continue
        issues = list(
            Issue.objects.filter(state=IssueState.SUBMITTED, region__path__startswith=district.path)
            .order_by("id")
            .values_list("id", flat=True)[:pool]
        )
        out.append(("supervisor", _token(supervisor), supervisor, {"region": pk, "issues": issues}))
    return out


def top_up(picks, *, want=TOP_UP):
    """Give every client at least ``want`` issues to write on, made the way users make them —
    登记 and 交办 by a city supervisor, 签收 (and for a district supervisor's, 提交核查 with a
    photo) by the unit's staff — through the services. Returns how many were made."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from chuangcheng.org.models import Unit, User
    from inspections import services

    rng = random.Random(7)
    recorder = User.objects.get(username="s_sup_city_0")
    made = 0

    def make(unit, staff, like, *, submit):
        nonlocal made
        issue = services.issue_create(
            actor=recorder,
            campaign=like.campaign,
            category=like.category,
            description="负载测试：人行道井盖破损",
            region=unit.region,
            responsible_unit=unit,
            assign=True,
        )
        services.issue_sign(actor=staff, issue_id=issue.pk)
        if submit:
            photo = SimpleUploadedFile("after.jpg", _photo(rng), content_type="image/jpeg")
            services.issue_submit(actor=staff, issue_id=issue.pk, measures="已整改（负载测试）", photos=[photo])
        made += 1
        return issue.pk

    for role, _token, user_id, ctx in picks:
        missing = want - len(ctx["issues"])
        if missing <= 0:
            continue
        if role == "clerk":
            unit, staff = Unit.objects.select_related("region").get(pk=ctx["unit"]), User.objects.get(pk=user_id)
            like = _like(unit)
            ctx["issues"] += [make(unit, staff, like, submit=False) for _ in range(missing)]
        else:
            district = Region.objects.get(pk=ctx["region"])
            member = (
                Membership.objects.filter(
                    role="staff",
                    user__is_active=True,
                    unit__level="street",
                    unit__region__path__startswith=district.path,
                )
                .select_related("unit__region", "user")
                .order_by("unit_id", "user_id")
                .first()
            )
            like = _like(member.unit)
            ctx["issues"] += [make(member.unit, member.user, like, submit=True) for _ in range(missing)]
    return made


def _like(unit):
    """An issue of ``unit`` (else any) whose campaign and category the made issues take."""
    from inspections.models import Issue

    return Issue.objects.filter(responsible_unit=unit).order_by("id").first() or Issue.objects.order_by("id").first()


def run_mix(*, seconds=30, workers=4, clients=16, env=None, pool=TOP_UP):
    picks = pick_clients(clerks=clients // 2, supervisors=clients - clients // 2)
    topped_up = top_up(picks, want=pool)
    snapshot_as_the_hourly_job_would()
    analyze_as_autovacuum_would()
    run_id = uuid.uuid4().hex[:8]
    port = _free_port()
    server = _start_server(port, workers, env)
    base = f"http://127.0.0.1:{port}"
    result = MixResult(seconds=seconds, workers=workers, clients=len(picks), topped_up=topped_up, pool=pool)
    acknowledged = []  # (kind, key, actor id, expected)
    lock = threading.Lock()
    try:
        deadline = time.monotonic() + seconds

        def call(kind, token, url, *, data=None, content_type=None):
            request = urllib.request.Request(base + url, data=data, method="POST" if data is not None else "GET")
            request.add_header("Authorization", f"Token {token}")
            if content_type:
                request.add_header("Content-Type", content_type)
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    body = response.read()
                    status = response.status
            except urllib.error.HTTPError as exc:
                status, body = exc.code, exc.read()
            except OSError as exc:
                status, body = type(exc).__name__, b""
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if status in (200, 201):
                    result.latencies[kind].append(elapsed)
                else:
                    result.errors.append((kind, status, body[:200].decode(errors="replace")))
            return status in (200, 201)

        def clerk(index, token, user_id, ctx):
            rng = random.Random(index)
            issues = list(ctx["issues"])
            seq = 0
            while time.monotonic() < deadline:
                roll = rng.random()
                if roll < 0.1:
                    seq += 1
                    note = f"mix-{run_id}-{index}-{seq}"
                    body = json.dumps({"progress": rng.randint(1, 99), "note": note}).encode()
                    if call("task reports", token, f"/api/v1/tasks/{ctx['task']}/report/", data=body,
                            content_type="application/json"):  # fmt: skip
                        with lock:
                            acknowledged.append(("task", note, user_id, None))
                elif roll < 0.2 and issues:
                    issue_id = issues.pop()
                    boundary = uuid.uuid4().hex
                    data = _multipart(boundary, {"measures": "已整改（负载测试）"}, _photo(rng))
                    if call("issue writes", token, f"/api/v1/issues/{issue_id}/submit/", data=data,
                            content_type=f"multipart/form-data; boundary={boundary}"):  # fmt: skip
                        with lock:
                            acknowledged.append(("issue", issue_id, user_id, "submit"))
                elif roll < 0.45:
                    url = rng.choice([f"/api/v1/tasks/?owner_unit={ctx['unit']}", f"/api/v1/tasks/{ctx['task']}/"])
                    call("task reads", token, url)
                elif roll < 0.75:
                    call("issue lists", token, f"/api/v1/issues/?responsible_unit={ctx['unit']}&state=rectifying")
                else:
                    call("issue page", token, f"/api/v1/issues/{rng.choice(ctx['issues'])}/")

        def supervisor(index, token, user_id, ctx):
            rng = random.Random(1000 + index)
            issues = list(ctx["issues"])
            while time.monotonic() < deadline:
                roll = rng.random()
                if roll < 0.15 and issues:
                    issue_id = issues.pop()
                    if call("issue writes", token, f"/api/v1/issues/{issue_id}/verify/", data=b"{}",
                            content_type="application/json"):  # fmt: skip
                        with lock:
                            acknowledged.append(("issue", issue_id, user_id, "verify"))
                elif roll < 0.5:
                    ordering = rng.choice(["rectification_deadline", "-severity", "-created_at"])
                    call(
                        "issue lists",
                        token,
                        f"/api/v1/issues/?region={ctx['region']}&state=submitted&ordering={ordering}",
                    )
                elif roll < 0.8:
                    call("issue page", token, f"/api/v1/issues/{rng.choice(ctx['issues'])}/")
                else:
                    call("dashboard", token, f"/api/v1/dashboard/?region={ctx['region']}")

        threads = [
            threading.Thread(target=clerk if role == "clerk" else supervisor, args=(i, token, user_id, ctx))
            for i, (role, token, user_id, ctx) in enumerate(picks)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        _stop_server(server)
    result.writes_ok = len(acknowledged)
    result.lost = _lost(acknowledged, run_id)
    return result


def _multipart(boundary, fields, photo):
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="after.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + photo
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


def _lost(acknowledged, run_id):
    """Acknowledged writes the database does not hold: a task report without its row, an issue
    write without its event by that person, or an issue not in a state that write (or a later
    acknowledged one) leaves it in."""
    from inspections.models import Issue, IssueEvent, IssueState
    from tasks.models import TaskUpdate

    connection.close()  # see what the server committed
    notes = set(TaskUpdate.objects.filter(note__startswith=f"mix-{run_id}-").values_list("note", flat=True))
    lost = sum(1 for kind, key, _u, _a in acknowledged if kind == "task" and key not in notes)
    issue_writes = [(key, user, action) for kind, key, user, action in acknowledged if kind == "issue"]
    ids = {key for key, _u, _a in issue_writes}
    events = set(
        IssueEvent.objects.filter(issue_id__in=ids, action__in=["submit", "verify"]).values_list(
            "issue_id", "actor_id", "action"
        )
    )
    states = dict(Issue.objects.filter(pk__in=ids).values_list("pk", "state"))
    verified = {key for key, _u, action in issue_writes if action == "verify"}
    for key, user, action in issue_writes:
        if (key, user, action) not in events:
            lost += 1
        elif action == "verify" and states.get(key) != IssueState.CLOSED:
            lost += 1
        elif action == "submit" and key not in verified and states.get(key) != IssueState.SUBMITTED:
            lost += 1
    return lost
