"""Who may do what with regions, units, sites and leader assignments: pure predicates.

One condition per line; DRF permission classes (:mod:`chuangcheng.org.api.base`), pages and
services wrap these and never re-implement them. *Seeing* an object is scoping
(``visible_to(user)``), not a predicate here: an object out of scope is simply absent.
"""

from .scoping import scope_for, unit_roles_of


def is_signed_in(user) -> bool:
    """An active, authenticated person (anonymous visitors and disabled accounts are not)."""
    if user is None:
        return False
    if not user.is_authenticated:
        return False
    return user.is_active


def is_admin(user) -> bool:
    """A system administrator: the ``admin`` role in an active unit, or a superuser."""
    if not is_signed_in(user):
        return False
    return scope_for(user).sees_all


def can_read_org(user) -> bool:
    """Anyone signed in reads the reference data within their scope."""
    return is_signed_in(user)


def can_manage_org(user) -> bool:
    """Create and change regions, units, sites and leader assignments."""
    return is_admin(user)


def can_manage_in_region(user, region) -> bool:
    """Write something located in ``region``: an administrator whose scope covers it."""
    if not can_manage_org(user):
        return False
    return scope_for(user).covers_path(region.path)


UNIT_ROLES = ("staff", "unit_head")


def unit_roles(user):
    """{unit_id: {roles}} for the user's memberships (cached on the user for the request)."""
    cached = getattr(user, "_unit_roles_cache", None)
    if cached is None:
        cached = user._unit_roles_cache = unit_roles_of(user.memberships.values_list("unit_id", "role"))
    return cached


def works_in(user, unit_id, roles=UNIT_ROLES):
    """Does the user hold one of ``roles`` in the unit? (staff or head by default)"""
    if user is None or not user.is_authenticated or unit_id is None:
        return False
    return bool(unit_roles(user).get(unit_id, set()) & set(roles))
