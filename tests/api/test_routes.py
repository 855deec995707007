"""Every route outside the API router has an entry in :data:`ROUTES` saying who may reach it, and
answers anonymous callers and a plain unit clerk as the entry says (issue 16, route coverage).

The router's routes have their permission matrices (tests/<app>/test_api.py, checked by
tests/org/test_api.py); this walks the whole URL resolver for the rest — pages, page actions,
htmx fragments, downloads, the public 随手拍 pages, the dashboards, the API's hand-made routes.
A route added without an entry fails :func:`test_every_route_outside_the_router_is_in_the_table`.

An entry: ``who`` may reach it (:data:`ANYONE`, :data:`SIGNED_IN` — scoped: objects out of
sight are a 404 — or the roles), the method the route is for (an action is posted: with nothing
filled in, a 400 says the clerk got past the access checks to the form; where the access check
comes after the form, enough is posted to reach it), the objects its arguments name
(:mod:`tests.api.routeworld`), and the answer for each caller; ``LOGIN`` is a redirect to the
login page. The clerk is 甲一街道办事处's 经办人: the unit's tasks, issues, 档案资料 and 举一反三
sites are theirs; the office's inspection, 模拟测评 round, import batch, background export, and
the 约谈 and 问责 of the unit (its head's to see) are not. No answer may be a 500.
"""

from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from chuangcheng.api_urls import router
from tests.api import routeworld

pytestmark = pytest.mark.django_db

LOGIN = "login"  # a redirect to the login page (?next= the page)
ANYONE = "anyone"
SIGNED_IN = "signed in"  # every signed-in person; objects out of their scope are a 404


class V(str):
    """A literal route argument (not an object of the world)."""


@dataclass(frozen=True)
class R:
    who: str
    anonymous: object  # a status, or LOGIN
    clerk: int
    method: str = "get"
    args: dict = field(default_factory=dict)  # the route's argument → a routeworld name, or a V(…)
    data: dict = field(default_factory=dict)  # what a POST sends
    htmx: bool = False  # a fragment htmx loads (without htmx it redirects to its page)


def page(clerk=200, *, who=SIGNED_IN, method="get", data=None, htmx=False, **args):
    """A page (or page action) for signed-in people: anonymous callers go to the login page."""
    return R(who, LOGIN, clerk, method, args, data or {}, htmx)


def post(clerk, *, who, data=None, **args):
    return page(clerk, who=who, method="post", data=data, **args)


def api(clerk=200, *, who=SIGNED_IN, **args):
    """A hand-made API route: anonymous callers get 403 (session authentication comes first)."""
    return R(who, 403, clerk, "get", args)


def public(status=200, *, clerk=None, method="get", **args):
    return R(ANYONE, status, status if clerk is None else clerk, method, args)


OFFICE = "supervisor, admin"  # 督查员 (in their region) and 系统管理员
LEADERS = "supervisor, leader, admin"
HEADS = "unit head, supervisor, leader, admin"
OWNER = "the task's owner unit"
REVIEWER = "the task's lead unit, supervisor"
RESPONSIBLE = "the issue's responsible unit"
UPLOADER = "who uploaded it, admin"
REQUESTER = "who asked for it, admin"
INSPECTORS = "the round's inspectors, supervisor, admin"
# The task and issue actions check the state first (409 "状态已变化") and then who asks (403); an
# action not possible in the object's state answers 409 to everyone.
OFFICE_ISSUE_ACTIONS = {  # action → the issue it is tried on (in the state the action starts from)
    "verify": "issue",
    "reject": "issue",
    "move_long_term": "issue",
    "reopen": "closed_issue",
}
INTAKE = ("accept", "merge", "dismiss", "assign")  # on a report not yet sent to a unit: not the clerk's
NOT_NOW = ("reassign", "insist", "approve_extension", "refuse_extension")  # no request pending: 409
UNIT_ISSUE_ACTIONS = ("sign", "request_reassignment", "request_extension", "submit", "long_term_progress")

ROUTES = {
    # --- the project's own --------------------------------------------------------------------------
    "healthz": public(),
    "favicon.ico": public(302),
    "set_language": public(302, method="post"),
    # --- API routes outside the router --------------------------------------------------------------
    "api-token": public(400, method="post"),  # no credentials posted
    "api-schema": api(),  # API_SCHEMA_PUBLIC off, as in production
    "api-docs": api(),
    "api-public-reports": public(400, method="post"),  # 随手拍 without a photo
    "api-public-report": public(code="code"),
    "api-dashboard": api(403, who=LEADERS),
    "api-dashboard-leader": api(403, who=LEADERS),
    "api-dashboard-unit": api(who=HEADS + ", the unit's own people", pk="unit"),
    "api-dashboard-section": api(403, who=LEADERS, section=V("headline")),
    "api-dossier-completeness": api(),  # over what the caller sees
    "api-accountability-suggestions": api(403, who=OFFICE),
    # --- imports -------------------------------------------------------------------------------------
    "imports:index": page(403, who="who may import something (supervisor, admin)"),
    "imports:upload": page(403, who="who may import that kind", kind=V("units")),
    "imports:batch": page(404, who=UPLOADER, pk="batch"),
    "imports:confirm": post(404, who=UPLOADER, pk="batch"),
    "imports:status": page(404, who=UPLOADER, pk="batch"),
    # --- background exports (a large list's 导出) -----------------------------------------------------
    "exports:index": page(),  # the person's own exports
    "exports:job": page(404, who=REQUESTER, pk="export_job"),
    "exports:status": page(404, who=REQUESTER, pk="export_job"),
    "exports:download": page(404, who=REQUESTER, pk="export_job"),
    # --- tasks ---------------------------------------------------------------------------------------
    "tasks:my_work": page(),
    "tasks:ledger": page(403, who=HEADS),
    "tasks:export": page(403, who=HEADS),
    "tasks:import": page(403, who=OFFICE),
    "tasks:import_template": page(403, who=OFFICE),
    "tasks:detail": page(who=SIGNED_IN, pk="task"),
    "tasks:attachment": page(pk="task", attachment_pk="attachment"),
    "tasks:report": post(400, who=OWNER, pk="task"),  # 400: reached the form, nothing filled in
    "tasks:report_form": page(who=OWNER, htmx=True, pk="task"),
    "tasks:submit": post(400, who=OWNER, pk="task"),
    "tasks:submit_form": page(who=OWNER, htmx=True, pk="task"),
    "tasks:accept": post(403, who=REVIEWER, pk="submitted_task"),
    "tasks:accept_form": page(403, who=REVIEWER, htmx=True, pk="submitted_task"),
    "tasks:return": post(403, who=REVIEWER, pk="submitted_task", data={"reason": "照片不清"}),
    "tasks:return_form": page(403, who=REVIEWER, htmx=True, pk="submitted_task"),
    "tasks:change_deadline": post(403, who=OFFICE, pk="task"),
    "tasks:change_deadline_form": page(403, who=OFFICE, htmx=True, pk="task"),
    "tasks:reassign": post(403, who=OFFICE, pk="task"),
    "tasks:reassign_form": page(403, who=OFFICE, htmx=True, pk="task"),
    "tasks:instruct": post(403, who="leader", pk="task"),
    "tasks:instruct_form": page(403, who="leader", htmx=True, pk="task"),
    "tasks:decompose": post(403, who="the task's lead unit", pk="task"),
    "tasks:decompose_form": page(403, who="the task's lead unit", htmx=True, pk="task"),
    # --- inspections and issues ----------------------------------------------------------------------
    "inspections:inspection_list": page(),  # the inspections the person may see (none here)
    "inspections:inspection_export": page(),
    "inspections:inspection_detail": page(404, who=LEADERS, pk="inspection"),
    "inspections:inspection_report_docx": page(404, who=LEADERS, pk="inspection"),
    "inspections:inspection_report_xlsx": page(404, who=LEADERS, pk="inspection"),
    "inspections:inspection_source": page(404, who=LEADERS, pk="inspection"),
    "inspections:capture_start": page(403, who="supervisor, leader"),
    "inspections:capture_worker": public(),  # the capture page's service worker script
    "inspections:capture": page(403, who="supervisor, leader", pk="inspection"),
    "inspections:capture_suggest": page(403, who="supervisor, leader", pk="inspection"),
    "inspections:issue_list": page(),
    "inspections:issue_export": page(),
    "inspections:issue_detail": page(pk="issue"),
    "inspections:photo": page(pk="photo"),
    "inspections:photo_thumb": page(pk="photo"),
    "inspections:my_queue": page(),
    "inspections:review_queue": page(htmx=True),  # a supervisor's sections; empty for others
    **{f"inspections:issue_{a}": post(403, who=OFFICE, pk=issue) for a, issue in OFFICE_ISSUE_ACTIONS.items()},
    **{f"inspections:issue_{a}": post(404, who=OFFICE, pk="reported_issue") for a in INTAKE},
    **{f"inspections:issue_{a}": post(409, who=OFFICE, pk="issue") for a in NOT_NOW},
    **{f"inspections:issue_{a}": post(409, who=RESPONSIBLE, pk="issue") for a in UNIT_ISSUE_ACTIONS},
    "inspections:issue_add_photo": post(400, who=RESPONSIBLE + ", supervisor", pk="issue"),
    # --- 档案资料 -------------------------------------------------------------------------------------
    "dossiers:overview": page(),
    "dossiers:export": page(403, who=OFFICE),
    "dossiers:requirement_new": page(403, who=OFFICE),
    "dossiers:requirement": page(pk="requirement"),
    "dossiers:upload": post(400, who="the unit it is asked of", pk="requirement"),
    "dossiers:new_version": post(400, who="the unit it is asked of", pk="material"),
    "dossiers:approve": post(403, who=OFFICE, pk="material"),
    "dossiers:return": post(403, who=OFFICE, pk="material", data={"reason": "不清楚"}),
    "dossiers:file": page(pk="material", version_pk="version"),
    # --- 约谈问责 -------------------------------------------------------------------------------------
    "accountability:list": page(),  # a unit's staff see the published praise only
    "accountability:interview": page(404, who="the unit's head, supervisor, leader, admin", pk="interview"),
    "accountability:decision": page(404, who="the unit's head, supervisor, leader, admin", pk="decision"),
    "accountability:decision_document": page(404, who="the unit's head, supervisor, leader, admin", pk="decision"),
    "accountability:new": page(403, who=OFFICE, kind=V("interview")),
    # --- 模拟测评 -------------------------------------------------------------------------------------
    "evaluations:rounds": page(),  # the rounds the person may see, the sites waiting for them
    "evaluations:round_new": post(
        403, who=OFFICE, data={"name": "第2轮", "starts_on": "2030-01-01", "ends_on": "2030-01-02"}
    ),
    "evaluations:round": page(404, who=LEADERS, pk="round"),
    "evaluations:round_start": post(404, who=OFFICE, pk="round"),
    "evaluations:round_close": post(404, who=OFFICE, pk="round"),
    "evaluations:report_pdf": page(404, who=LEADERS, pk="round"),
    "evaluations:report_docx": page(404, who=LEADERS, pk="round"),
    "evaluations:site": page(404, who=INSPECTORS, pk="round_site"),
    "evaluations:site_generate": post(404, who=INSPECTORS, pk="round_site"),
    "evaluations:sweeps": page(),
    "evaluations:sweep_new": page(403, who=OFFICE),
    "evaluations:sweep": page(pk="sweep"),  # a unit answers its own sites there
    # --- notices -------------------------------------------------------------------------------------
    "notifications:list": page(),
    "notifications:preferences": page(),
    "notifications:open": page(302, pk="notice"),  # marks it read, goes on to its link
    "notifications:read_all": post(302, who=SIGNED_IN),
    "notifications:schedule": page(403, who="admin"),
    # --- briefings and dashboards --------------------------------------------------------------------
    "reports:list": page(),
    "reports:build": post(404, who=OFFICE),
    "reports:detail": page(pk="briefing"),
    # a photo the briefing names (典型问题), to whoever may read it; any other photo id is a 404
    "reports:photo": page(404, pk="briefing", photo_pk="photo"),
    "reports:edit": post(302, who=OFFICE, pk="briefing"),  # published: back to it, 不能再修改
    "reports:download": page(pk="briefing", fmt=V("docx")),
    "dashboard:overview": page(302, who=LEADERS),  # others: to their own unit's page
    "dashboard:xlsx": page(404, who=LEADERS),
    "dashboard:unit": page(who=HEADS + ", the unit's own people", pk="unit"),
    # --- 随手拍 (public) ------------------------------------------------------------------------------
    "report:new": public(),
    "report:done": public(code="code"),
    "report:track": public(),
    "report:photo": public(code="code", photo_id="citizen_photo"),
    # --- home, passwords, signing in and out (last: the clerk signs out) -----------------------------
    "home": page(),
    "todo_count": page(),  # the 我的待办 badge (fetched after the page)
    "attention": page(),  # 需要我处理 on the home page (fetched after the page)
    "units_export": page(),
    "sites_export": page(),
    "password_change": page(),
    "password_reset": public(),
    "password_reset_done": public(),
    "password_reset_confirm": public(uidb64="uidb64", token=V("bad-token")),  # the link no longer works
    "password_reset_complete": public(),
    "login": public(clerk=302),  # a signed-in person goes on home
    "logout": public(302, method="post"),
}


def walk(resolver, prefix="", namespace=""):
    """``(key, pattern, URLPattern)`` of every route; the key is the route's name (with its
    namespace), or its pattern when it has none."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n)
            yield from walk(pattern, prefix + str(pattern.pattern), inner)
        elif pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), prefix + str(pattern.pattern), pattern
        else:
            yield prefix + str(pattern.pattern), prefix + str(pattern.pattern), pattern


def routes_outside_the_router():
    router_names = {pattern.name for pattern in router.urls}
    out = {}
    for key, route, pattern in walk(get_resolver()):
        if key.startswith("admin:") or route.startswith("admin/") or pattern.name in router_names:
            continue  # the admin (Django's own checks), the router (its matrices)
        if pattern.callback.__module__ == "django.views.static":
            continue  # media files in development (DEBUG) only
        out[key] = route
    return out


def test_every_route_outside_the_router_is_in_the_table():
    routes = routes_outside_the_router()
    missing = sorted(f"{key} ({route})" for key, route in routes.items() if key not in ROUTES)
    assert not missing, f"routes without an entry in tests/api/test_routes.py ROUTES: {missing}"
    gone = sorted(set(ROUTES) - set(routes))
    assert not gone, f"entries for routes that no longer exist: {gone}"
    assert {"dashboard:unit", "report:done", "api-token", "reports:detail"} <= set(routes)  # the walk finds them


@pytest.fixture
def world(people, city, units, campaign, task, make_issue, categories, dossier, checklist, settings):
    settings.API_SCHEMA_PUBLIC = False  # production's default
    return routeworld.build(
        people=people,
        city=city,
        units=units,
        campaign=campaign,
        task=task,
        make_issue=make_issue,
        categories=categories,
        dossier=dossier,
        checklist=checklist,
    )


def url(key, entry, world):
    if "/" in key or "." in key:  # an unnamed route is listed by its pattern
        return "/" + key
    kwargs = {name: value if isinstance(value, V) else getattr(world, value) for name, value in entry.args.items()}
    return reverse(key, kwargs=kwargs)


def answer(response):
    if response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next="):
        return LOGIN
    return response.status_code


def check(client, world, expected_of):
    """Request every route in table order; returns the routes whose answer differs."""
    wrong = []
    for key, entry in ROUTES.items():
        path = url(key, entry, world)
        headers = {"HX-Request": "true"} if entry.htmx else {}
        response = getattr(client, entry.method)(path, entry.data, headers=headers)
        got, expected = answer(response), expected_of(entry)
        if got != expected:
            wrong.append(f"{entry.method.upper()} {path} ({key}): {got}, table says {expected}")
    return wrong


def test_anonymous_callers_get_what_the_table_says(world):
    wrong = check(Client(raise_request_exception=False), world, lambda entry: entry.anonymous)
    assert not wrong, "\n".join(wrong)


def test_a_unit_clerk_gets_what_the_table_says(world, people):
    client = Client(raise_request_exception=False)
    client.force_login(people.staff)
    wrong = check(client, world, lambda entry: entry.clerk)
    assert not wrong, "\n".join(wrong)


def test_the_table_agrees_with_who():
    """A route for signed-in people never answers an anonymous caller with content; a public
    one never sends them to the login page."""
    for key, entry in ROUTES.items():
        assert 500 not in (entry.anonymous, entry.clerk), key
        if entry.who == ANYONE:
            assert entry.anonymous != LOGIN, key
        else:
            assert entry.anonymous in (LOGIN, 403), key
