"""Pure predicates for dossiers: may this person do this to this requirement or material?
One condition per line. Visibility is separate (``Requirement.objects.visible_to``).

Units hand in; the campaign office reviews. Nobody reviews their own unit's material.
"""

from django.utils.translation import gettext as _

from chuangcheng.org.permissions import works_in
from chuangcheng.org.scoping import scope_for

from .models import MaterialStatus

ANY_ROLE = ("staff", "unit_head", "supervisor", "leader", "admin")


def is_reviewer(user, campaign) -> bool:
    """The office's supervisors (督查员 of the unit that runs the campaign), or an admin."""
    if scope_for(user).sees_all:
        return True
    return works_in(user, campaign.office_unit_id, roles=("supervisor",))


def can_manage_requirements(user, campaign) -> bool:
    """Create and edit the list of required materials: the same people who review."""
    return is_reviewer(user, campaign)


def responsible_unit_ids(user, requirement):
    """The requirement's units in which the person is staff or head (where they may hand in)."""
    return [unit.pk for unit in requirement.units.all() if works_in(user, unit.pk)]


def can_upload(user, requirement) -> bool:
    """Staff or head of one of the requirement's responsible units."""
    return bool(responsible_unit_ids(user, requirement))


def can_add_version(user, material) -> bool:
    """A new version: staff or head of the unit that handed the material in, while it is not
    approved (an approved material is what the office keeps)."""
    if material.status == MaterialStatus.APPROVED:
        return False
    return works_in(user, material.unit_id)


def can_review(user, material) -> bool:
    """通过 / 退回: a reviewer of the campaign, never a member of the unit that handed it in."""
    if works_in(user, material.unit_id, roles=ANY_ROLE):
        return False
    return is_reviewer(user, material.requirement.campaign)


def forbidden_text(user, material, action, label):
    """Why ``user`` may not take ``action`` (labelled ``label``) on ``material`` — the one text the
    service and the API give."""
    return _("您没有权限对该材料执行“%(action)s”。") % {"action": label}
