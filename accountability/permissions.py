"""Who may see and record 约谈 and 问责 (pure predicates and the sets they read).

The record of a 约谈 or a 问责 decision is for the office (the supervisors of the unit that runs
the campaign), the leaders whose 包保 districts hold the unit, and the unit's head — not for the
unit's staff. A 通报表扬 is published praise: everyone who sees the campaign reads it.
"""

from chuangcheng.org.permissions import unit_roles, works_in
from chuangcheng.org.scoping import scope_for


def office_unit_ids(user):
    """Units in which the person is a supervisor (when a unit runs a campaign: its office)."""
    return [unit_id for unit_id, roles in unit_roles(user).items() if "supervisor" in roles]


def head_unit_ids(user):
    return [unit_id for unit_id, roles in unit_roles(user).items() if "unit_head" in roles]


def leader_region_paths(user):
    """The regions a leader answers for: 包保 assignments in active campaigns and an explicit
    scope on a leader membership (the scope's own reckoning, so 约谈 records and the ledger agree)."""
    return scope_for(user).leader_region_paths


def is_office(user, campaign) -> bool:
    """The campaign office's supervisors, or an admin: they record 约谈, 问责 and 表扬."""
    if scope_for(user).sees_all:
        return True
    return works_in(user, campaign.office_unit_id, roles=("supervisor",))


def can_record(user, campaign) -> bool:
    return is_office(user, campaign)


def sees_office_records(user) -> bool:
    """Has any way to see a 约谈/问责 record (the pages show the section only then)."""
    scope = scope_for(user)
    return scope.sees_all or bool(office_unit_ids(user) or head_unit_ids(user) or leader_region_paths(user))
