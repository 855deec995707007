"""Helpers for the API permission matrices (tests/<app>/test_api.py).

Each app's ``test_api.py`` declares ``MATRIX``: a list of :class:`Case` — one route action, one
target object and the status each role must get. ``tests/org/test_api.py`` checks that every
action of every route the router registers appears in the matrix of the app that owns it.
"""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from chuangcheng.api_urls import router

ROLES = ["anonymous", "nobody", "staff", "district_supervisor", "supervisor", "leader", "admin"]
# The matrices of the apps where units work (tasks, inspections, dossiers, evaluations,
# accountability) add a clerk of another unit (乙一街道办) and the unit's head.
UNIT_ROLES = ["anonymous", "nobody", "staff_b", "staff", "head", "district_supervisor", "supervisor", "leader", "admin"]
WRITE_ACTIONS = {"create", "partial_update", "update", "destroy"}
METHODS = {"list": "get", "retrieve": "get", "create": "post", "partial_update": "patch", "destroy": "delete"}


def expecting(roles, usual, **defaults):
    """An ``expect(**statuses)`` for a matrix over ``roles``: the status each role must get —
    as named, else its default in ``defaults``, else ``usual``. A role not in ``roles`` is a
    TypeError, as a misspelt keyword argument was."""

    def expect(**statuses):
        unknown = set(statuses) - set(roles)
        if unknown:
            raise TypeError(f"expect() got unknown roles: {', '.join(sorted(unknown))}")
        return {role: statuses.get(role, defaults.get(role, usual)) for role in roles}

    assert set(defaults) <= set(roles), "defaults for roles the matrix has"
    return expect


expect = expecting(ROLES, 200, anonymous=403)


# Every signed-in person reads a list (filtered to their scope); anonymous callers are refused
# (403: session authentication comes first, so DRF answers 403 rather than 401).
LIST = expect()
# An object in 甲一街道 (under 甲区): its unit's staff, 甲区's supervisor and leader see it.
IN_JIA = expect(nobody=404)
# An object in 乙区: only the city-wide supervisor and the administrator see it; for the others
# it is a 404, the same answer as a missing object.
IN_YI = expect(nobody=404, staff=404, district_supervisor=404, leader=404)
# Reference data every signed-in person reads (evaluation standards).
EVERYONE = expect()


def admin_only(status):
    return expect(nobody=403, staff=403, district_supervisor=403, supervisor=403, leader=403, admin=status)


@dataclass(frozen=True)
class Case:
    basename: str
    action: str
    target: str  # a name the test module's builder understands
    expected: dict

    def params(self):
        return [(self, role, status) for role, status in self.expected.items()]

    @property
    def is_write(self):
        return self.action in WRITE_ACTIONS


def parametrize(matrix):
    """``(case, role, status)`` params with readable ids: ``region-retrieve-in_yi-leader``."""
    return [
        pytest.param(case, role, status, id=f"{case.basename}-{case.action}-{case.target}-{role}")
        for case in matrix
        for case, role, status in case.params()
    ]


def client_for(role, people):
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(user=getattr(people, role))
    return client


def snapshot(model):
    """Every row of ``model`` (and its many-to-many ids): equal before and after a refused write."""
    rows = list(model.objects.order_by("pk").values())
    m2m = {
        f.name: sorted(model.objects.filter(**{f"{f.name}__isnull": False}).values_list("pk", f"{f.name}__pk"))
        for f in model._meta.many_to_many
    }
    return rows, m2m


def router_actions():
    """``{(basename, action): viewset}`` for every action of every registered route."""
    out = {}
    for _prefix, viewset, basename in router.registry:
        for route in router.get_routes(viewset):
            for action in router.get_method_map(viewset, route.mapping).values():
                out[(basename, action)] = viewset
    return out
