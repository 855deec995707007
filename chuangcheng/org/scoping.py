"""Who may see what — computed once per user and request, used by every ``visible_to(user)``.

- admin (role or superuser): everything;
- supervisor: the region subtree of each such membership (its ``scope_region``, else the
  unit's region);
- leader: the regions, sites and tasks assigned by 领导包保 in active campaigns, plus an
  explicit ``scope_region`` on the membership — and nothing by the unit the membership sits in:
  a city leader is listed under the 创建办 but does not work there, so the office's own tasks,
  issues and materials are not theirs to see (what is escalated to a leader reaches them through
  the same assignments, or as a task's 责任领导);
- unit staff and unit head: their units' objects; for reference data (regions), their unit's
  region subtree;
- everybody in scope also sees the ancestors of their regions (the city above a street), so
  names and breadcrumbs resolve, but not the ancestors' other children.

Out-of-scope objects are simply absent from querysets, so views answer 404 as for a missing one.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Q

ROLE_ADMIN = "admin"
ROLES_WITH_REGION_SCOPE = ("supervisor", "leader")
# Memberships that make a person one of the unit's people for visibility (``Scope.unit_ids``):
# every role but a leader's, whose scope is what 领导包保 assigns.
ROLES_IN_UNIT = ("staff", "unit_head", "supervisor", "admin")


@dataclass(frozen=True)
class Scope:
    sees_all: bool = False
    region_paths: tuple = ()  # supervised subtrees
    home_region_paths: tuple = ()  # the regions of the units the person works in
    unit_ids: frozenset = field(default_factory=frozenset)  # units whose objects the person sees as theirs
    roles: frozenset = field(default_factory=frozenset)
    site_ids: frozenset = field(default_factory=frozenset)
    # A leader's id, for what apps above this one assign them (:func:`register_assigned`), read
    # on first use by :meth:`assigned_ids` and kept here (a list that never asks costs nothing).
    leader_id: int | None = None
    _assigned: dict = field(default_factory=dict, compare=False, repr=False)
    # The part of ``region_paths`` a person answers for as a leader (领导包保 regions and a leader
    # membership's explicit scope): where they may 批示, as opposed to where they supervise.
    leader_region_paths: tuple = ()
    # Every root region lies in a supervised subtree (the city office of a one-city deployment):
    # every region-bound object (issues, tasks) is visible, so their lists need no visibility
    # filter — an OR across joins that keeps PostgreSQL from its indexes. Not ``sees_all``:
    # it grants no admin rights and does not widen reference data.
    covers_all_regions: bool = False

    def assigned_ids(self, kind):
        """Ids of the ``kind`` objects (e.g. "task") this leader is assigned (领导包保)."""
        if self.leader_id is None or kind not in _assigned:
            return frozenset()
        if kind not in self._assigned:
            self._assigned[kind] = frozenset(_assigned[kind](self.leader_id))
        return self._assigned[kind]

    @property
    def ancestor_paths(self):
        """Paths of every ancestor of a scoped region (``/1/``, ``/1/7/`` for ``/1/7/30/``)."""
        out = set()
        for path in (*self.region_paths, *self.home_region_paths):
            parts = [p for p in path.strip("/").split("/") if p]
            for i in range(1, len(parts)):
                out.add("/" + "/".join(parts[:i]) + "/")
        return sorted(out)

    def region_q(self, lookup, *, include_home=False):
        """A Q matching rows whose region path (``lookup``) lies in a supervised subtree."""
        paths = self.region_paths + (self.home_region_paths if include_home else ())
        q = Q(pk__in=[])
        for path in _minimal(paths):
            q |= Q(**{f"{lookup}__startswith": path})
        return q

    @property
    def subtrees(self):
        """The supervised subtrees, none inside another (what :meth:`region_q` ORs)."""
        return tuple(_minimal(self.region_paths))

    def has_role(self, *roles):
        return self.sees_all or bool(self.roles.intersection(roles))

    def covers_path(self, path):
        """Is a region with this path inside a supervised subtree?"""
        return self.sees_all or any(path.startswith(p) for p in self.region_paths)


NOBODY = Scope()


def _minimal(paths):
    """Drop paths already covered by a shorter one: fewer OR terms in every query."""
    out = []
    for p in sorted(set(paths), key=len):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return out


def _covers_all_regions(paths):
    """Do these subtrees hold every region? Asked only when one of them is a root (``/7/``),
    so district people cost no query."""
    roots = [p for p in paths if p.count("/") == 2]
    if not roots:
        return False
    Region = apps.get_model("org", "Region")
    all_roots = Region.objects.filter(parent__isnull=True).values_list("path", flat=True)
    return all(p in roots for p in all_roots)


def scope_for(user):
    """The user's scope, cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    cached = getattr(user, "_scope_cache", None)
    if cached is not None:
        return cached
    scope = _compute(user)
    user._scope_cache = scope
    return scope


# Leader-assignable objects of the apps above (tasks: ``TaskLeader``), registered at ready():
# ``ids(leader_id)`` → the ids assigned to that leader in active campaigns.
_assigned = {}


def register_assigned(kind, ids):
    _assigned[kind] = ids


def _unit_ids(memberships):
    """The units of the memberships whose role makes the person one of the unit's people."""
    return frozenset(unit_id for role, unit_id, *_ in memberships if role in ROLES_IN_UNIT)


def unit_roles_of(pairs):
    """{unit_id: {roles}} from (unit_id, role) pairs."""
    roles = {}
    for unit_id, role in pairs:
        roles.setdefault(unit_id, set()).add(role)
    return roles


def _compute(user):
    Membership = apps.get_model("org", "Membership")
    LeaderAssignment = apps.get_model("org", "LeaderAssignment")
    rows = list(
        Membership.objects.filter(user=user).values_list(
            "role", "unit_id", "unit__region__path", "scope_region__path", "unit__is_active"
        )
    )
    # The same rows answer permissions.unit_roles (every membership, active unit or not) for the
    # rest of the request: one query where there were two.
    user._unit_roles_cache = unit_roles_of((unit_id, role) for role, unit_id, *_ in rows)
    memberships = [row[:4] for row in rows if row[4]]
    roles = frozenset(m[0] for m in memberships)
    if user.is_superuser or ROLE_ADMIN in roles:
        return Scope(sees_all=True, roles=roles | {ROLE_ADMIN}, unit_ids=_unit_ids(memberships))
    region_paths, home_paths, leader_paths = set(), set(), set()
    for role, _unit_id, unit_path, scope_path in memberships:
        if role == "leader":
            # A leader sees the regions assigned by 领导包保 (below), plus an explicit scope.
            if scope_path:
                leader_paths.add(scope_path)
        elif role in ROLES_WITH_REGION_SCOPE:
            region_paths.add(scope_path or unit_path)
        else:
            home_paths.add(unit_path)
    site_ids = set()
    if "leader" in roles:
        assignments = LeaderAssignment.objects.filter(leader=user, campaign__status="active")
        for region_path, site_id in assignments.values_list("region__path", "site_id"):
            if region_path:
                leader_paths.add(region_path)
            if site_id:
                site_ids.add(site_id)
    region_paths |= leader_paths
    return Scope(
        covers_all_regions=_covers_all_regions(region_paths),
        region_paths=tuple(sorted(region_paths)),
        home_region_paths=tuple(sorted(home_paths)),
        unit_ids=_unit_ids(memberships),
        roles=roles,
        site_ids=frozenset(site_ids),
        leader_id=user.pk if "leader" in roles else None,
        leader_region_paths=tuple(sorted(leader_paths)),
    )
